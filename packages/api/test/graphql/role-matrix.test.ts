import { readFileSync } from "node:fs";
import type { RankedRole } from "@cml-fleet/core/domain/role";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { buildSchema, type GraphQLObjectType, type GraphQLSchema } from "graphql";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { anEvent, aWorker } from "../support/worker-factory";
import {
  type GraphQLErrorJson,
  gql,
  PATIENCE,
  type Subscription,
  subscribeWs,
} from "./support/graphql-client";
import { executeSse, executeWs, type OperationResult } from "./support/one-shot-transports";
import { subscribeSse } from "./support/sse-client";
import { useTestFleet } from "./support/test-fleet";

// The matrix sends a few hundred requests from one client: the per-client rate limit is lifted for it.
const { fleet, api } = useTestFleet("role-matrix", { env: { RATE_LIMIT_PER_MINUTE: "0" } });

/** The printed schema, the one clients see: the field list of the matrix comes from it, not from this file. */
const PRINTED_SCHEMA: GraphQLSchema = buildSchema(
  readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8"),
);

type RootType = "Query" | "Mutation" | "Subscription";

interface MatrixRow {
  /** The least role the contract gives the field (shared/contract/README.md, "Roles"). */
  readonly role: RankedRole;
  /**
   * Arguments that make the field fail harmlessly once allowed (NOT_FOUND or
   * BAD_USER_INPUT for a dummy id or a region that does not exist), so that
   * running the matrix changes nothing.
   */
  readonly args?: string;
  /** The field answers a scalar (e.g. Boolean): selected without a selection set. */
  readonly scalar?: true;
  /**
   * Open to a USER (outside the ranking: its own workers only, see core's role.ts). Any other field
   * gives a USER nothing: FORBIDDEN, or NOT_FOUND / BAD_USER_INPUT for the dummy worker it names.
   */
  readonly user?: true;
}

const SOON = new Date(Date.now() + 3_600_000).toISOString();

/**
 * One row per root field of the printed schema. A new field without a row
 * fails "every root field has a row", so its role is decided here, on purpose.
 */
const MATRIX: Readonly<Record<`${RootType}.${string}`, MatrixRow>> = {
  "Query.viewer": { role: "VIEWER", user: true },
  "Query.workers": { role: "VIEWER", user: true },
  "Query.worker": { role: "VIEWER", user: true, args: `id: "missing"` },
  "Query.fleetSummary": { role: "VIEWER", user: true },
  "Query.jobs": { role: "VIEWER", user: true },
  "Query.job": { role: "VIEWER", user: true, args: `id: "stop.missing"` },
  "Query.events": { role: "VIEWER", user: true },
  "Query.apiTokens": { role: "ADMIN" },
  "Query.auditLog": { role: "ADMIN" },
  "Mutation.startWorker": { role: "OPERATOR", user: true, args: `id: "missing"` },
  "Mutation.stopWorker": { role: "OPERATOR", user: true, args: `id: "missing"` },
  "Mutation.refreshWorker": { role: "OPERATOR", args: `id: "missing"` },
  "Mutation.stopLab": { role: "OPERATOR", args: `workerId: "missing", labId: "lab-1"` },
  "Mutation.stopAllLabs": { role: "OPERATOR", args: `id: "missing"` },
  "Mutation.setWorkerTags": { role: "OPERATOR", args: `id: "missing", tags: []` },
  "Mutation.setIdlePolicy": { role: "OPERATOR", args: `id: "missing", input: { enabled: false }` },
  "Mutation.keepAlive": { role: "OPERATOR", user: true, args: `id: "missing", until: "${SOON}"` },
  "Mutation.retryJob": { role: "OPERATOR", args: `id: "stop.missing"` },
  "Mutation.createWorker": { role: "ADMIN", args: `input: { name: "m", region: "mars-1" }` },
  "Mutation.terminateWorker": { role: "ADMIN", args: `id: "missing"` },
  "Mutation.registerLicense": { role: "ADMIN", args: `id: "missing", token: "t"` },
  "Mutation.deregisterLicense": { role: "ADMIN", args: `id: "missing"` },
  "Mutation.snapshotWorker": { role: "OPERATOR", user: true, args: `id: "missing"` },
  "Mutation.importWorkers": { role: "ADMIN", args: `region: "mars-1"` },
  "Mutation.importAccountWorkers": {
    role: "ADMIN",
    args: `accountId: "no-such-account", region: "us-east-1"`,
  },
  "Mutation.trustWorkerCertificate": { role: "ADMIN", args: `id: "missing"` },
  "Mutation.confirmWorker": { role: "ADMIN", args: `id: "missing"` },
  "Mutation.createApiToken": { role: "ADMIN", args: `name: "", role: VIEWER` },
  "Mutation.revokeApiToken": { role: "ADMIN", args: `id: "00000000-0000-0000-0000-000000000000"` },
  "Query.schedules": { role: "VIEWER" },
  "Mutation.createSchedule": { role: "ADMIN", args: `input: { name: "", timeZone: "UTC", windows: [] }` },
  "Mutation.updateSchedule": {
    role: "ADMIN",
    args: `id: "00000000-0000-0000-0000-000000000000", input: { name: "m", timeZone: "UTC", windows: [{ days: [MON], start: "08:00", end: "09:00" }] }`,
  },
  "Mutation.deleteSchedule": {
    role: "ADMIN",
    args: `id: "00000000-0000-0000-0000-000000000000"`,
    scalar: true,
  },
  "Mutation.setWorkerSchedule": { role: "OPERATOR", args: `id: "missing"` },
  "Mutation.setWorkerOwner": { role: "ADMIN", args: `id: "missing", owner: "alice"` },
  "Query.notificationChannels": { role: "ADMIN" },
  "Mutation.createNotificationChannel": { role: "ADMIN", args: `input: { name: "", url: "ftp://x" }` },
  "Mutation.deleteNotificationChannel": {
    role: "ADMIN",
    args: `id: "00000000-0000-0000-0000-000000000000"`,
    scalar: true,
  },
  "Mutation.testNotificationChannel": {
    role: "ADMIN",
    args: `id: "00000000-0000-0000-0000-000000000000"`,
    scalar: true,
  },
  "Subscription.workerChanged": { role: "VIEWER", user: true },
  "Subscription.fleetEvents": { role: "VIEWER", user: true },
  "Subscription.jobUpdated": { role: "VIEWER", user: true },
};

const ROOT_TYPES: readonly RootType[] = ["Query", "Mutation", "Subscription"];

function rootType(schema: GraphQLSchema, type: RootType): GraphQLObjectType | null | undefined {
  return type === "Query"
    ? schema.getQueryType()
    : type === "Mutation"
      ? schema.getMutationType()
      : schema.getSubscriptionType();
}

/** Every root field of the printed schema, as `Type.field`. */
const SCHEMA_FIELDS: readonly { key: `${RootType}.${string}`; type: RootType; field: string }[] =
  ROOT_TYPES.flatMap((type) =>
    Object.keys(rootType(PRINTED_SCHEMA, type)?.getFields() ?? {}).map((field) => ({
      key: `${type}.${field}` as const,
      type,
      field,
    })),
  );

const OPERATION_KEYWORD: Record<RootType, string> = {
  Query: "query",
  Mutation: "mutation",
  Subscription: "subscription",
};

/** `__typename` is a valid selection on every object type, so one document shape fits every field. */
function documentFor(type: RootType, field: string, row: MatrixRow): string {
  const args = row.args === undefined ? "" : `(${row.args})`;
  return `${OPERATION_KEYWORD[type]} { ${field}${args}${row.scalar === true ? "" : " { __typename }"} }`;
}

const RANK: Record<RankedRole, number> = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 };
const CALLERS = ["anonymous", "VIEWER", "OPERATOR", "ADMIN", "USER"] as const;
type Caller = (typeof CALLERS)[number];

/** A USER token, made by the ADMIN as any would be. */
let userToken = "";
beforeAll(async () => {
  const created = await gql<{ createApiToken: { token: string } }>(
    api.url,
    'mutation { createApiToken(name: "matrix-user", role: USER) { token } }',
    { token: fleet.tokens.ADMIN },
  );
  userToken = created.data?.createApiToken.token ?? "";
  expect(userToken).not.toBe("");
});

function tokenOf(caller: Caller): string | null {
  return caller === "anonymous" ? null : caller === "USER" ? userToken : fleet.tokens[caller];
}

function isAllowed(caller: Caller, row: MatrixRow): boolean {
  if (caller === "USER") {
    return row.user === true;
  }
  return caller !== "anonymous" && RANK[caller] >= RANK[row.role];
}

function codesOf(errors: readonly unknown[]): (string | undefined)[] {
  return errors.map((error) => (error as GraphQLErrorJson).extensions?.code);
}

/** Allowed: no refusal among the errors (a dummy id may still be NOT_FOUND). Refused: only the refusal. */
function expectVerdict(result: OperationResult, caller: Caller, row: MatrixRow): void {
  const codes = codesOf(result.errors);
  if (isAllowed(caller, row)) {
    expect(codes).not.toContain("FORBIDDEN");
    expect(codes).not.toContain("UNAUTHENTICATED");
    return;
  }
  expect(codes.length).toBeGreaterThan(0);
  if (caller === "USER") {
    // The dummy worker a field names is checked first for a USER (another's worker is NOT_FOUND, never FORBIDDEN).
    expect(["FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT"]).toEqual(expect.arrayContaining(codes));
  } else {
    expect(new Set(codes)).toEqual(new Set([caller === "anonymous" ? "UNAUTHENTICATED" : "FORBIDDEN"]));
  }
  // A nullable field comes back as `{ field: null }` beside its error: still nothing was given.
  expect(Object.values(result.data ?? {}).filter((value) => value !== null)).toEqual([]);
}

const rowOf = (key: `${RootType}.${string}`): MatrixRow => {
  const row = MATRIX[key];
  if (row === undefined) {
    throw new Error(`${key} has no row in the role matrix: add one with its least role`);
  }
  return row;
};

describe("the role matrix covers the printed schema", () => {
  it("has a row for every root field and subscription, and none for a field that is gone", () => {
    expect(Object.keys(MATRIX).sort()).toEqual(SCHEMA_FIELDS.map((entry) => entry.key).sort());
  });
});

const OPERATION_CASES = SCHEMA_FIELDS.filter((entry) => entry.type !== "Subscription").flatMap((entry) =>
  CALLERS.map((caller) => ({ ...entry, caller })),
);

describe.each([
  {
    transport: "HTTP",
    run: (document: string, caller: Caller) => gql(api.url, document, { token: tokenOf(caller) }),
  },
  {
    transport: "WebSocket",
    run: (document: string, caller: Caller) => executeWs(api.wsUrl, document, tokenOf(caller)),
  },
  {
    transport: "SSE",
    run: (document: string, caller: Caller) => executeSse(api.url, document, tokenOf(caller)),
  },
])("queries and mutations over $transport", ({ run }) => {
  it.each(OPERATION_CASES)("$key as $caller", async ({ key, type, field, caller }) => {
    const row = rowOf(key);
    expectVerdict(await run(documentFor(type, field, row), caller), caller, row);
  });
});

/** Publishes one payload on the topic a subscription field listens to, as a job process would. */
function publishFor(field: string): void {
  const { pubsub } = api.app.deps;
  if (field === "workerChanged") {
    pubsub.publish(TOPICS.workerChanged, aWorker());
  } else if (field === "fleetEvents") {
    pubsub.publish(TOPICS.fleetEvent, { ...anEvent(), id: "1" });
  } else if (field === "jobUpdated") {
    pubsub.publish(TOPICS.jobUpdated, {
      id: "stop.matrix",
      name: "stop",
      workerId: null,
      state: "WAITING",
      progress: null,
      step: null,
      attempts: 0,
      failedReason: null,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
    });
  } else {
    throw new Error(`no topic known for subscription ${field}: teach publishFor about it`);
  }
}

const SUBSCRIPTION_CASES = SCHEMA_FIELDS.filter((entry) => entry.type === "Subscription").flatMap((entry) =>
  CALLERS.map((caller) => ({ ...entry, caller })),
);

describe.each([
  {
    transport: "WebSocket",
    open: (document: string, caller: Caller) => subscribeWs(api.wsUrl, document, { token: tokenOf(caller) }),
    once: (document: string, caller: Caller) => executeWs(api.wsUrl, document, tokenOf(caller)),
  },
  {
    transport: "SSE",
    open: (document: string, caller: Caller) => subscribeSse(api.url, document, { token: tokenOf(caller) }),
    // A refusal may come as an error event or, before any stream opens, as a plain 401/403 body.
    once: (document: string, caller: Caller) => executeSse(api.url, document, tokenOf(caller)),
  },
])("subscriptions over $transport", ({ open, once }) => {
  it.each(SUBSCRIPTION_CASES)("$key as $caller", async ({ key, type, field, caller }) => {
    const row = rowOf(key);
    const document = documentFor(type, field, row);
    if (!isAllowed(caller, row)) {
      // Refused means the first (and only) answer is the refusal, with no event.
      expectVerdict(await once(document, caller), caller, row);
      return;
    }
    if (caller === "USER") {
      // A payload about nobody's worker never reaches a USER: owners-and-user-role.test.ts shows what does.
      return;
    }
    const subscription: Subscription<unknown> = open(document, caller);
    try {
      // Allowed means it delivers: publish until the first event arrives (the subscription may still be
      // joining the Redis channel when the first publish goes out).
      await vi.waitFor(() => {
        publishFor(field);
        expect(subscription.events.length).toBeGreaterThan(0);
      }, PATIENCE);
      expect(codesOf(subscription.errors)).toEqual([]);
    } finally {
      await subscription.dispose();
    }
  });
});
