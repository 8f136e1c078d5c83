import { randomUUID } from "node:crypto";
import type { RankedRole } from "@cml-fleet/core/domain/role";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { anEvent, aWorker } from "../support/worker-factory";
import { codes, dataOf, gql, PATIENCE, subscribeWs } from "./support/graphql-client";
import { subscribeSse } from "./support/sse-client";
import { useTestFleet } from "./support/test-fleet";

// Hundreds of refused requests in a few seconds: the per-client rate limit is not what this file tests.
const { fleet, api } = useTestFleet("input-validation", { env: { RATE_LIMIT_PER_MINUTE: "0" } });

/** Text no field may take: a NUL (Postgres refuses it), a newline, an escape, a bidi override, and far too much. */
const HOSTILE: readonly { label: string; value: string }[] = [
  { label: "a NUL", value: "a\u0000b" },
  { label: "a newline", value: "a\nb" },
  { label: "an ANSI escape", value: "\u001b[31mred" },
  { label: "a right-to-left override", value: "a\u202eb" },
  { label: "a huge string", value: "x".repeat(100_000) },
];

let workerId = "";

beforeAll(async () => {
  const worker = aWorker({ name: "target", status: "RUNNING", tags: { team: "blue" } });
  await fleet.workers.insert(worker, [anEvent({ workerId: worker.id, message: "seeded" })]);
  workerId = worker.id;
});

/**
 * Every string argument of every root query and mutation, each given as the
 * variable `$v` (of the type the argument has) and called by a role allowed
 * to, with everything else valid: the hostile text is the only thing wrong.
 */
const FIELDS: readonly { name: string; argument: string; role: RankedRole; document: () => string }[] = [
  {
    name: "worker",
    argument: "id",
    role: "VIEWER",
    document: () => "query($v: ID!) { worker(id: $v) { id } }",
  },
  { name: "job", argument: "id", role: "VIEWER", document: () => "query($v: ID!) { job(id: $v) { id } }" },
  {
    name: "jobs",
    argument: "workerId",
    role: "VIEWER",
    document: () => "query($v: ID) { jobs(workerId: $v) { id } }",
  },
  {
    name: "events",
    argument: "workerId",
    role: "VIEWER",
    document: () => "query($v: ID) { events(workerId: $v) { id } }",
  },
  {
    name: "workers",
    argument: "after",
    role: "VIEWER",
    document: () => "query($v: String) { workers(after: $v) { totalCount } }",
  },
  {
    name: "workers",
    argument: "filter.region",
    role: "VIEWER",
    document: () => "query($v: String) { workers(filter: { region: $v }) { totalCount } }",
  },
  {
    name: "workers",
    argument: "filter.search",
    role: "VIEWER",
    document: () => "query($v: String) { workers(filter: { search: $v }) { totalCount } }",
  },
  {
    name: "workers",
    argument: "filter.tag.key",
    role: "VIEWER",
    document: () => `query($v: String!) { workers(filter: { tag: { key: $v, value: "x" } }) { totalCount } }`,
  },
  {
    name: "workers",
    argument: "filter.tag.value",
    role: "VIEWER",
    document: () => `query($v: String!) { workers(filter: { tag: { key: "x", value: $v } }) { totalCount } }`,
  },
  ...(["name", "region", "instanceType", "amiId", "idempotencyKey"] as const).map((field) => ({
    name: "createWorker",
    argument: `input.${field}`,
    role: "ADMIN" as const,
    document: () => {
      const input = { name: `"ok-name"`, region: `"us-east-1"`, [field]: "$v" };
      const fields = Object.entries(input)
        .map(([key, value]) => `${key}: ${value}`)
        .join(", ");
      return `mutation($v: String!) { createWorker(input: { ${fields} }) { worker { id } } }`;
    },
  })),
  {
    name: "createWorker",
    argument: "input.tags",
    role: "ADMIN",
    document: () =>
      `mutation($v: String!) { createWorker(input: { name: "tagged", region: "us-east-1", tags: [{ key: "k", value: $v }] }) { worker { id } } }`,
  },
  ...(["startWorker", "stopWorker", "refreshWorker", "deregisterLicense"] as const).map((field) => ({
    name: field,
    argument: "id",
    role: "ADMIN" as const,
    document: () => `mutation($v: ID!) { ${field}(id: $v) { worker { id } } }`,
  })),
  {
    name: "terminateWorker",
    argument: "id",
    role: "ADMIN",
    document: () => "mutation($v: ID!) { terminateWorker(id: $v) { worker { id } } }",
  },
  {
    name: "stopWorker",
    argument: "reason",
    role: "OPERATOR",
    document: () => `mutation($v: String) { stopWorker(id: "${workerId}", reason: $v) { worker { id } } }`,
  },
  {
    name: "registerLicense",
    argument: "token",
    role: "ADMIN",
    document: () =>
      `mutation($v: String) { registerLicense(id: "${workerId}", token: $v) { worker { id } } }`,
  },
  {
    name: "setWorkerTags",
    argument: "id",
    role: "OPERATOR",
    document: () => "mutation($v: ID!) { setWorkerTags(id: $v, tags: []) { id } }",
  },
  {
    name: "setWorkerTags",
    argument: "tags.key",
    role: "OPERATOR",
    document: () =>
      `mutation($v: String!) { setWorkerTags(id: "${workerId}", tags: [{ key: $v, value: "v" }]) { id } }`,
  },
  {
    name: "setWorkerTags",
    argument: "tags.value",
    role: "OPERATOR",
    document: () =>
      `mutation($v: String!) { setWorkerTags(id: "${workerId}", tags: [{ key: "k", value: $v }]) { id } }`,
  },
  {
    name: "setIdlePolicy",
    argument: "id",
    role: "OPERATOR",
    document: () => "mutation($v: ID!) { setIdlePolicy(id: $v, input: { enabled: false }) { id } }",
  },
  {
    name: "keepAlive",
    argument: "id",
    role: "OPERATOR",
    document: () => `mutation($v: ID!) { keepAlive(id: $v, until: "2020-01-01T00:00:00Z") { id } }`,
  },
  {
    name: "importWorkers",
    argument: "region",
    role: "ADMIN",
    document: () => "mutation($v: String!) { importWorkers(region: $v) { id } }",
  },
  {
    name: "importWorkers",
    argument: "instanceIds",
    role: "ADMIN",
    document: () => `mutation($v: String!) { importWorkers(region: "us-east-1", instanceIds: [$v]) { id } }`,
  },
  {
    name: "retryJob",
    argument: "id",
    role: "ADMIN",
    document: () => "mutation($v: ID!) { retryJob(id: $v) { id } }",
  },
  {
    name: "createApiToken",
    argument: "name",
    role: "ADMIN",
    document: () => "mutation($v: String!) { createApiToken(name: $v, role: VIEWER) { token } }",
  },
  {
    name: "revokeApiToken",
    argument: "id",
    role: "ADMIN",
    document: () => "mutation($v: ID!) { revokeApiToken(id: $v) { id } }",
  },
];

/** What a refused request must not have changed: workers, events, successful audit entries, tokens and jobs. */
async function footprint() {
  const read = dataOf(
    await gql<{
      workers: { totalCount: number };
      events: { id: string }[];
      jobs: { id: string }[];
      apiTokens: { id: string }[];
      worker: { tags: { key: string; value: string }[]; desiredStatus: string; updatedAt: string };
    }>(
      api.url,
      `query($id: ID!) {
        workers { totalCount }
        events(first: 500) { id }
        jobs(first: 500) { id }
        apiTokens { id }
        worker(id: $id) { tags { key value } desiredStatus updatedAt }
      }`,
      { token: fleet.tokens.ADMIN, variables: { id: workerId } },
    ),
  );
  const audited = (await createAuditRepository(fleet.db.db).list(1000)).filter((row) => row.outcome === "ok");
  return { ...read, audited: audited.length };
}

describe("every string argument of every root field", () => {
  const cases = FIELDS.flatMap((field) => HOSTILE.map((hostile) => ({ ...field, ...hostile })));
  let before: Awaited<ReturnType<typeof footprint>>;

  beforeAll(async () => {
    before = await footprint();
  });

  it.each(cases)("$name($argument) refuses $label as BAD_USER_INPUT naming the argument", async (field) => {
    const result = await gql(api.url, field.document(), {
      token: fleet.tokens[field.role],
      variables: { v: field.value },
    });
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    const message = result.errors[0]?.message ?? "";
    // "input.tags[0].value: must ...": the argument's path first, then the rule.
    const leaf = field.argument.split(".").at(-1) ?? field.argument;
    expect(message).toMatch(new RegExp(`^[\\w.\\[\\]]*${leaf}(\\[\\d+\\])?(\\.\\w+)?: must`));
    // The hostile text is not echoed back.
    expect(message).not.toContain(field.value);
  });

  it("changed nothing with all those refusals: no worker, event, audit success, token or job", async () => {
    expect(await footprint()).toEqual(before);
  });
});

describe("the failures the issue names", () => {
  it("stopWorker with a NUL in its reason is BAD_USER_INPUT, not an internal error, and writes nothing", async () => {
    const before = await footprint();
    const result = await gql(
      api.url,
      `mutation { stopWorker(id: "${workerId}", reason: "\\u0000") { worker { id } } }`,
      {
        token: fleet.tokens.OPERATOR,
      },
    );
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors[0]?.message).toBe(
      "reason: must not contain control, line-separator or invisible formatting characters (found U+0000 at position 0)",
    );
    expect(await footprint()).toEqual(before);
  });

  it("bounds a reason (500 characters) but takes one that fits", async () => {
    const long = await gql(
      api.url,
      `mutation($r: String) { stopWorker(id: "${workerId}", reason: $r) { worker { id } } }`,
      { token: fleet.tokens.OPERATOR, variables: { r: "x".repeat(501) } },
    );
    expect(codes(long)).toEqual(["BAD_USER_INPUT"]);
    expect(long.errors[0]?.message).toBe("reason: must be at most 500 characters (got 501)");
  });

  it("refuses a newline in a tag, and keeps the tags as they were", async () => {
    const result = await gql(
      api.url,
      `mutation($id: ID!) { setWorkerTags(id: $id, tags: [{ key: "course", value: "ccna\\nrm -rf" }]) { id } }`,
      { token: fleet.tokens.OPERATOR, variables: { id: workerId } },
    );
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors[0]?.message).toMatch(/^tags\[0\]\.value: must not contain control/);
    const read = dataOf(
      await gql<{ worker: { tags: unknown[] } }>(
        api.url,
        "query($id: ID!) { worker(id: $id) { tags { key value } } }",
        {
          token: fleet.tokens.VIEWER,
          variables: { id: workerId },
        },
      ),
    );
    expect(read.worker.tags).toEqual([{ key: "team", value: "blue" }]);
  });

  it('answers job(id: "meta") and other BullMQ keys as BAD_USER_INPUT, without reading them', async () => {
    // BullMQ keeps a hash at <prefix>:<queue>:meta; read as a job it would answer with nonsense.
    await fleet.redis.hset(`${fleet.prefix}:${queueName("stop")}:meta`, { opts: "{}" });
    for (const id of ["meta", "id", "wait", "events", "stalled-check"]) {
      const result = await gql(api.url, "query($id: ID!) { job(id: $id) { id name } }", {
        token: fleet.tokens.VIEWER,
        variables: { id },
      });
      expect(codes(result), id).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors[0]?.message).toMatch(/^id: must be a job id as the fleet makes them/);
    }
    const unknown = await gql(api.url, "query($id: ID!) { job(id: $id) { id } }", {
      token: fleet.tokens.VIEWER,
      variables: { id: `stop.${randomUUID()}` },
    });
    expect(unknown.errors).toEqual([]);
    expect(unknown.data).toEqual({ job: null });
  });

  it("refuses a forged cursor whose content would carry a NUL to the database", async () => {
    const forged = Buffer.from(JSON.stringify(["2026-01-01T00:00:00Z", "a\u0000b"])).toString("base64url");
    const result = await gql(api.url, "query($after: String) { workers(after: $after) { totalCount } }", {
      token: fleet.tokens.VIEWER,
      variables: { after: forged },
    });
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors[0]?.message).toMatch(/^after: must not contain control/);
  });
});

describe("subscription arguments", () => {
  const SUBSCRIPTIONS = [
    "subscription($v: ID) { workerChanged(id: $v) { id } }",
    "subscription($v: ID) { fleetEvents(workerId: $v) { id } }",
    "subscription($v: ID) { jobUpdated(id: $v) { id } }",
  ];

  it.each(SUBSCRIPTIONS)("refuses a NUL over WebSocket and SSE: %s", async (query) => {
    for (const subscription of [
      subscribeWs(api.wsUrl, query, { token: fleet.tokens.VIEWER, variables: { v: "a\u0000b" } }),
      subscribeSse(api.url, query, { token: fleet.tokens.VIEWER, variables: { v: "a\u0000b" } }),
    ]) {
      try {
        await vi.waitFor(
          () => expect(JSON.stringify(subscription.errors)).toContain("BAD_USER_INPUT"),
          PATIENCE,
        );
        expect(subscription.events).toEqual([]);
      } finally {
        await subscription.dispose();
      }
    }
  });
});
