import {
  CloudError,
  ConflictError,
  type FleetError,
  NotFoundError,
  PermissionDeniedError,
  QuotaExceededError,
  UnauthenticatedError,
  UpstreamUnavailableError,
  ValidationError,
} from "@cml-fleet/core/errors";
import { openDatabase } from "@cml-fleet/platform/db/database";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { recordingLogger } from "../../test/support/recording-logger";
import { maskUnlessFleetError, toContractError } from "./error-mapping";

/** How graphql-js hands a resolver's error to the server: wrapped, with a path. */
function located(error: Error): GraphQLError {
  return new GraphQLError(error.message, { path: ["worker"], originalError: error });
}

const CASES: readonly [FleetError, string][] = [
  [new UnauthenticatedError("no token"), "UNAUTHENTICATED"],
  [new PermissionDeniedError("viewers cannot stop workers"), "FORBIDDEN"],
  [new ValidationError("region", "mars-1 is not allowed"), "BAD_USER_INPUT"],
  [new NotFoundError("worker", "w1"), "NOT_FOUND"],
  [new ConflictError("cannot start a worker that is TERMINATED"), "CONFLICT"],
  [new QuotaExceededError("vCPU limit reached"), "QUOTA_EXCEEDED"],
  [new UpstreamUnavailableError("queue", "Redis does not answer"), "UPSTREAM_UNAVAILABLE"],
  [new CloudError("quota-exceeded", "ec2", "VcpuLimitExceeded", "too many vCPUs", "req-1"), "QUOTA_EXCEEDED"],
];

describe("toContractError", () => {
  it.each(CASES)("gives %s the contract code %s and keeps its message", (error, code) => {
    const mapped = toContractError(located(error), { requestId: "r1", logger: recordingLogger() });
    expect(mapped.extensions.code).toBe(code);
    expect(mapped.message).toBe(error.message);
    expect(mapped.path).toEqual(["worker"]);
  });

  it("masks an unexpected error, logs it, and hands out the request id", () => {
    const logger = recordingLogger();
    const mapped = toContractError(located(new Error("relation workers does not exist")), {
      requestId: "r42",
      logger,
    });
    expect(mapped.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR", requestId: "r42" });
    expect(mapped.message).not.toContain("relation");
    expect(mapped.message).toContain("r42");
    expect(logger.at("error")).toHaveLength(1);
  });

  it("says the database is unavailable (UPSTREAM_UNAVAILABLE, logged as a warning) when a resolver's statement cannot reach Postgres", async () => {
    // Port 1 on the loopback: nothing listens, the connection is refused as when Postgres is stopped.
    const database = await openDatabase({ url: "postgres://postgres@127.0.0.1:1/postgres" });
    const refused = await database.ping().then(
      () => new Error("expected the ping to fail"),
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    await database.close();
    const logger = recordingLogger();
    const mapped = toContractError(located(refused), { requestId: "r7", logger });
    expect(mapped.extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE" });
    expect(mapped.message).toMatch(/^database: the database is unavailable \(Postgres does not answer\)/);
    expect(mapped.path).toEqual(["worker"]);
    expect(logger.at("error")).toHaveLength(0);
    expect(logger.at("warn")).toHaveLength(1);
    expect(maskUnlessFleetError(located(refused), "masked").message).toBe(mapped.message);
  });

  it("leaves an error raised as a GraphQL error on purpose as it is", () => {
    const deliberate = new GraphQLError("Not authenticated", { extensions: { code: "UNAUTHENTICATED" } });
    expect(toContractError(deliberate, { requestId: "r1", logger: recordingLogger() })).toBe(deliberate);
  });
});

describe("maskUnlessFleetError", () => {
  it("maps a fleet error however deeply it is wrapped", () => {
    const twice = new GraphQLError("outer", { originalError: located(new NotFoundError("job", "j1")) });
    expect((maskUnlessFleetError(twice, "Unexpected error.") as GraphQLError).extensions.code).toBe(
      "NOT_FOUND",
    );
  });

  it("masks anything else", () => {
    const masked = maskUnlessFleetError(located(new TypeError("x is undefined")), "Unexpected error.", false);
    expect(masked.message).toBe("Unexpected error.");
    expect((masked as GraphQLError).extensions.code).toBe("INTERNAL_SERVER_ERROR");
  });
});
