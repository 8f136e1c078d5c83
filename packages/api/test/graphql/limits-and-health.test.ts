import { createObservability } from "@cml-fleet/platform/observability/observability";
import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { REQUEST_LIMITS } from "../../src/http/limits";
import { startApiServer } from "../../src/http/server";
import { codes, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("limits");

describe("requests the server refuses cleanly", () => {
  it("refuses a malformed query with GRAPHQL_PARSE_FAILED", async () => {
    const result = await gql(api.url, "{ workers { ", { token: fleet.tokens.VIEWER });
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(["GRAPHQL_PARSE_FAILED"]);
  });

  it.each([
    [
      "a variable of the wrong type",
      "query Q($first: Int) { workers(first: $first) { totalCount } }",
      { first: "x" },
    ],
    ["a required variable not given", "query Q($first: Int!) { workers(first: $first) { totalCount } }", {}],
    [
      "an unknown enum value",
      "query Q($s: WorkerStatus!) { workers(filter: { status: [$s] }) { totalCount } }",
      { s: "NAPPING" },
    ],
  ])("refuses %s with BAD_USER_INPUT", async (_case, query, variables) => {
    const result = await gql(api.url, query, { token: fleet.tokens.VIEWER, variables });
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
  });

  it("refuses a body that is not JSON", async () => {
    const response = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${fleet.tokens.VIEWER}` },
      body: "{not json",
    });
    expect(response.status).toBe(400);
  });

  it("refuses an oversized body with 413 before reading it", async () => {
    const padding = "x".repeat(REQUEST_LIMITS.maxBodyBytes + 1);
    const response = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${fleet.tokens.VIEWER}` },
      body: JSON.stringify({ query: `{ workers { totalCount } } # ${padding}` }),
    });
    expect(response.status).toBe(413);
  });

  it("refuses a chunked body, whose size only reading could tell, with 411 (the only body limit: yoga's own is off)", async () => {
    const { request } = await import("node:http");
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const sent = request(
        api.url,
        {
          method: "POST",
          headers: { authorization: `Bearer ${fleet.tokens.VIEWER}`, "content-type": "application/json" },
        },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      sent.on("error", reject);
      // Two writes before end(): Node sends them chunked, without Content-Length.
      sent.write('{"query": ');
      sent.end('"{ workers { totalCount } }"}');
    });
    expect(answer.status).toBe(411);
    expect(answer.body).toContain("Content-Length");
  });

  it("refuses a GET that carries a body with 400, not an internal error", async () => {
    // fetch() will not send such a request; a raw client will.
    const { request } = await import("node:http");
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const body = JSON.stringify({ query: "{ workers { totalCount } }" });
      const sent = request(
        `${api.url}?query=${encodeURIComponent("{ workers { totalCount } }")}`,
        {
          method: "GET",
          headers: {
            authorization: `Bearer ${fleet.tokens.VIEWER}`,
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
          },
        },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      sent.on("error", reject);
      sent.end(body);
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain("BAD_USER_INPUT");
  });

  it.each([
    ["variables", "x"],
    ["variables", "{"],
    ["variables", "[1]"],
    ["extensions", "nope"],
  ])("refuses a GET whose %s parameter is %j with 400, not an internal error", async (name, value) => {
    const query = encodeURIComponent("{ viewer { name } }");
    const response = await fetch(`${api.url}?query=${query}&${name}=${encodeURIComponent(value)}`, {
      headers: { authorization: `Bearer ${fleet.tokens.VIEWER}`, accept: "application/json" },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("BAD_USER_INPUT");
  });

  it("answers a GET whose variables parameter is a JSON object", async () => {
    const query = encodeURIComponent("query Viewer { viewer { name } }");
    const response = await fetch(`${api.url}?query=${query}&variables=${encodeURIComponent("{}")}`, {
      headers: { authorization: `Bearer ${fleet.tokens.VIEWER}`, accept: "application/json" },
    });
    expect(response.status).toBe(200);
  });

  it("refuses a query nested deeper than the limit", async () => {
    // The schema has no cycles, so the deepest valid query is shallow; a deeper document is refused
    // for its depth before anything else is looked at.
    const levels = REQUEST_LIMITS.maxDepth + 2;
    const tooDeep = `{ workers { edges { node { ${"deeper { ".repeat(levels)}id${" }".repeat(levels)} } } } }`;
    const result = await gql(api.url, tooDeep, { token: fleet.tokens.VIEWER });
    expect(result.status).toBe(400);
    expect(result.errors.some((error) => /depth/i.test(error.message))).toBe(true);
    expect(codes(result).every((code) => code === "GRAPHQL_VALIDATION_FAILED")).toBe(true);
    const deepestValid = "{ workers { edges { node { activeJob { id } events { id } cost { accrued } } } } }";
    expect(codes(await gql(api.url, deepestValid, { token: fleet.tokens.VIEWER }))).toEqual([]);
  });

  it("refuses a query costlier than the limit", async () => {
    const result = await gql(api.url, "{ workers(first: 100000) { totalCount } }", {
      token: fleet.tokens.VIEWER,
    });
    expect(codes(result)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(result.errors[0]?.message).toMatch(/cost/i);
  });

  it("refuses a query with more tokens than the limit", async () => {
    const aliases = Array.from({ length: REQUEST_LIMITS.maxTokens }, (_, i) => `a${i}: __typename`).join(" ");
    const result = await gql(api.url, `{ ${aliases} }`, { token: fleet.tokens.VIEWER });
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(["GRAPHQL_PARSE_FAILED"]);
    expect(result.errors[0]?.message).toMatch(/token limit/i);
  });

  it("refuses more aliases than the limit, counting through fragments", async () => {
    const aliased = (n: number) =>
      Array.from({ length: n }, (_, i) => `w${i}: workers(first: 1) { totalCount }`).join(" ");
    const allowed = await gql(api.url, `{ ${aliased(REQUEST_LIMITS.maxAliases)} }`, {
      token: fleet.tokens.VIEWER,
    });
    expect(codes(allowed)).toEqual([]);
    const tooMany = await gql(api.url, `{ ${aliased(REQUEST_LIMITS.maxAliases + 1)} }`, {
      token: fleet.tokens.VIEWER,
    });
    expect(tooMany.status).toBe(400);
    expect(codes(tooMany)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(tooMany.errors[0]?.message).toMatch(/aliases limit of 15/i);
    const viaFragment = await gql(
      api.url,
      `query { ...Many w: workers(first: 1) { totalCount } } fragment Many on Query { ${aliased(REQUEST_LIMITS.maxAliases)} }`,
      { token: fleet.tokens.VIEWER },
    );
    expect(codes(viaFragment)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });

  it("refuses aliased mutations past the limit before any of them runs", async () => {
    const before = await gql<{ workers: { totalCount: number } }>(api.url, "{ workers { totalCount } }", {
      token: fleet.tokens.ADMIN,
    });
    const creates = Array.from(
      { length: REQUEST_LIMITS.maxAliases + 1 },
      (_, i) => `c${i}: createWorker(input: { name: "alias-${i}", region: "us-east-1" }) { worker { id } }`,
    ).join(" ");
    const result = await gql(api.url, `mutation { ${creates} }`, { token: fleet.tokens.ADMIN });
    expect(codes(result)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    const after = await gql<{ workers: { totalCount: number } }>(api.url, "{ workers { totalCount } }", {
      token: fleet.tokens.ADMIN,
    });
    expect(after.data?.workers.totalCount).toBe(before.data?.workers.totalCount);
  });

  it("refuses more directives than the limit", async () => {
    const directed = (n: number) =>
      Array.from({ length: n }, (_, i) => `w${i}: workers(first: 1) @include(if: true) { totalCount }`).join(
        " ",
      );
    const allowed = await gql(api.url, `{ ${directed(REQUEST_LIMITS.maxDirectives)} }`, {
      token: fleet.tokens.VIEWER,
    });
    expect(codes(allowed)).toEqual([]);
    const tooMany = await gql(api.url, `{ ${directed(REQUEST_LIMITS.maxDirectives + 1)} }`, {
      token: fleet.tokens.VIEWER,
    });
    expect(codes(tooMany)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(tooMany.errors[0]?.message).toMatch(/directives limit/i);
  });

  it("masks an unexpected error and gives a request id to quote", async () => {
    // A read model whose database fails in a way nothing maps: what the driver says must not reach the caller.
    const { reads } = api.app.deps;
    const failing = await startApiServer(
      {
        ...api.app.deps,
        reads: {
          ...reads,
          workers: {
            ...reads.workers,
            fleetCounts: () => Promise.reject(new Error("password authentication failed for user fleet")),
          },
        },
      },
      { port: 0 },
    );
    try {
      const result = await gql(failing.url, "{ fleetSummary { total } }", {
        token: fleet.tokens.VIEWER,
        headers: { "x-request-id": "req-42" },
      });
      expect(codes(result)).toEqual(["INTERNAL_SERVER_ERROR"]);
      expect(result.errors[0]?.extensions?.requestId).toBe("req-42");
      expect(result.errors[0]?.message).not.toMatch(/password|fleet/i);
    } finally {
      await failing.close();
    }
  });
});

describe("health endpoints", () => {
  it("answers /healthz while the process runs, and /readyz when Postgres and Redis answer", async () => {
    const health = await fetch(`${api.origin}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${api.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      checks: { postgres: "ok", redis: "ok", schedules: "ok" },
    });
  });

  it("answers /readyz with 503 naming what does not answer", async () => {
    const broken = await fleet.startApi();
    broken.app.redis.commands.disconnect();
    const ready = await fetch(`${broken.origin}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: Record<string, string> };
    expect(body.checks.postgres).toBe("ok");
    expect(body.checks.redis).not.toBe("ok");
  });
});

describe("metrics", () => {
  it("serves /metrics when the process measures, counting GraphQL operations", async () => {
    const observed = await fleet.startApi({
      observability: createObservability({ tracer: trace.getTracer("test") }),
    });
    await gql(observed.url, "{ workers { totalCount } }", { token: fleet.tokens.VIEWER });
    const metrics = await fetch(`${observed.origin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/graphql/i);
    expect((await fetch(`${api.origin}/metrics`)).status).not.toBe(200);
  });
});

describe("GraphiQL", () => {
  it("is served in development only", async () => {
    const asBrowser = { headers: { accept: "text/html" } };
    const production = await fetch(api.url, asBrowser);
    expect(await production.text()).not.toMatch(/graphiql/i);
    const development = await startApiServer(
      { ...api.app.deps, edge: { ...api.app.deps.edge, graphiql: true } },
      { port: 0 },
    );
    try {
      const page = await fetch(development.url, asBrowser);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/graphiql/i);
    } finally {
      await development.close();
    }
  });
});
