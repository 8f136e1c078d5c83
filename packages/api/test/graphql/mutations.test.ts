import { randomUUID } from "node:crypto";
import { userActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type { WorkerStatus } from "@cml-fleet/core/domain/worker-status";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anEvent, aWorker } from "../support/worker-factory";
import { codes, dataOf, gql, PATIENCE } from "./support/graphql-client";
import { FAILING_INSTANCE_ID, SLOW_REGION, startImportProcessor } from "./support/import-processor";
import { useTestFleet } from "./support/test-fleet";

// One attempt: a failing import fails at once instead of after backoff retries.
const { fleet, api } = useTestFleet("mutations", { env: { CML_JOB_ATTEMPTS: "1" } });
let importProcessor: { close(): Promise<void> } | undefined;

beforeAll(() => {
  importProcessor = startImportProcessor(fleet);
});

afterAll(() => importProcessor?.close());

const PAYLOAD =
  "worker { id name status desiredStatus tags { key value } } job { id name workerId state attempts createdAt }";

interface Payload {
  worker: {
    id: string;
    name: string;
    status: string;
    desiredStatus: string;
    tags: { key: string; value: string }[];
  };
  job: { id: string; name: string; workerId: string; state: string } | null;
}

async function seedWorker(status: WorkerStatus, overrides: Partial<Worker> = {}): Promise<Worker> {
  const worker = aWorker({ status, name: `seed-${status.toLowerCase()}`, ...overrides });
  await fleet.workers.insert(worker, [
    anEvent({ workerId: worker.id, at: worker.createdAt, message: "seeded", actor: userActor("t", "t") }),
  ]);
  return worker;
}

function mutate<T>(query: string, variables: Record<string, unknown>, token = fleet.tokens.ADMIN) {
  return gql<T>(api.url, query, { token, variables });
}

const CREATE = `mutation($input: CreateWorkerInput!) { createWorker(input: $input) { ${PAYLOAD} } }`;

describe("createWorker", () => {
  it("records the intent and queues provisioning, answering at once", async () => {
    const result = dataOf(
      await mutate<{ createWorker: Payload }>(CREATE, {
        input: { name: "alpha", region: "us-east-1", tags: [{ key: "course", value: "ccna" }] },
      }),
    );
    expect(result.createWorker.worker).toMatchObject({
      name: "alpha",
      status: "PENDING",
      desiredStatus: "RUNNING",
      tags: [{ key: "course", value: "ccna" }],
    });
    expect(result.createWorker.job).toMatchObject({
      name: "provision",
      workerId: result.createWorker.worker.id,
      state: "WAITING",
    });
    const events = dataOf(
      await gql<{ events: { type: string }[] }>(api.url, "query($w: ID) { events(workerId: $w) { type } }", {
        token: fleet.tokens.VIEWER,
        variables: { w: result.createWorker.worker.id },
      }),
    );
    expect(events.events.map((event) => event.type)).toEqual(["worker.created"]);
  });

  it("answers a repeated idempotencyKey with the same worker and job, also when requests race", async () => {
    const input = { name: "beta", region: "us-west-2", idempotencyKey: "beta-once" };
    const [first, second] = await Promise.all([
      mutate<{ createWorker: Payload }>(CREATE, { input }),
      mutate<{ createWorker: Payload }>(CREATE, { input }),
    ]);
    const third = await mutate<{ createWorker: Payload }>(CREATE, { input });
    const payloads = [first, second, third].map((response) => dataOf(response).createWorker);
    expect(new Set(payloads.map((payload) => payload.worker.id)).size).toBe(1);
    expect(new Set(payloads.map((payload) => payload.job?.id)).size).toBe(1);
    const listed = dataOf(
      await gql<{ workers: { totalCount: number } }>(
        api.url,
        `{ workers(filter: { search: "beta" }) { totalCount } }`,
        {
          token: fleet.tokens.VIEWER,
        },
      ),
    );
    expect(listed.workers.totalCount).toBe(1);
  });

  it("refuses an idempotencyKey reused for a different worker as CONFLICT", async () => {
    await mutate(CREATE, { input: { name: "gamma", region: "us-east-1", idempotencyKey: "gamma-key" } });
    const result = await mutate(CREATE, {
      input: { name: "other", region: "us-east-1", idempotencyKey: "gamma-key" },
    });
    expect(codes(result)).toEqual(["CONFLICT"]);
  });

  it.each([
    ["a region that is not allowed", { name: "x1", region: "eu-west-1" }],
    [
      "an instance type that is not allowed",
      { name: "x2", region: "us-east-1", instanceType: "p4d.24xlarge" },
    ],
    ["an unusable name", { name: "no spaces; please", region: "us-east-1" }],
    ["a reserved tag key", { name: "x3", region: "us-east-1", tags: [{ key: "aws:owner", value: "me" }] }],
    [
      "a fleet tag key",
      { name: "x4", region: "us-east-1", tags: [{ key: "cml-fleet:managed", value: "no" }] },
    ],
    [
      "a tag value over 256 characters",
      { name: "x5", region: "us-east-1", tags: [{ key: "k", value: "v".repeat(257) }] },
    ],
    [
      "a tag key over 128 characters",
      { name: "x6", region: "us-east-1", tags: [{ key: "k".repeat(129), value: "v" }] },
    ],
    [
      "more tags than EC2 allows",
      {
        name: "x7",
        region: "us-east-1",
        tags: Array.from({ length: 47 }, (_, i) => ({ key: `k${i}`, value: "v" })),
      },
    ],
    ["a malformed AMI id", { name: "x8", region: "us-east-1", amiId: "ubuntu" }],
  ])("refuses %s as BAD_USER_INPUT", async (_label, input) => {
    const result = await mutate(CREATE, { input });
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors[0]?.message).not.toMatch(/unexpected/i);
  });
});

describe("lifecycle mutations", () => {
  it("starts a stopped worker: desired RUNNING and a start job", async () => {
    const worker = await seedWorker("STOPPED", { desiredStatus: "STOPPED" });
    const result = dataOf(
      await mutate<{ startWorker: Payload }>(
        `mutation($id: ID!) { startWorker(id: $id) { ${PAYLOAD} } }`,
        { id: worker.id },
        fleet.tokens.OPERATOR,
      ),
    );
    expect(result.startWorker.worker.desiredStatus).toBe("RUNNING");
    expect(result.startWorker.job).toMatchObject({ name: "start", workerId: worker.id });
  });

  it("joins the start already under way instead of queueing another", async () => {
    const worker = await seedWorker("STOPPED", { desiredStatus: "STOPPED", name: "joiner" });
    const query = `mutation($id: ID!) { startWorker(id: $id) { ${PAYLOAD} } }`;
    const first = dataOf(
      await mutate<{ startWorker: Payload }>(query, { id: worker.id }, fleet.tokens.OPERATOR),
    );
    const second = dataOf(
      await mutate<{ startWorker: Payload }>(query, { id: worker.id }, fleet.tokens.OPERATOR),
    );
    expect(second.startWorker.job?.id).toBe(first.startWorker.job?.id);
  });

  it("stops a running worker with a reason", async () => {
    const worker = await seedWorker("RUNNING");
    const result = dataOf(
      await mutate<{ stopWorker: Payload }>(
        `mutation($id: ID!) { stopWorker(id: $id, reason: "end of class") { ${PAYLOAD} } }`,
        { id: worker.id },
        fleet.tokens.OPERATOR,
      ),
    );
    expect(result.stopWorker.worker.desiredStatus).toBe("STOPPED");
    expect(result.stopWorker.job).toMatchObject({ name: "stop" });
    const events = dataOf(
      await gql<{ events: { type: string; reason: string }[] }>(
        api.url,
        "query($w: ID) { events(workerId: $w, first: 1) { type reason } }",
        {
          token: fleet.tokens.VIEWER,
          variables: { w: worker.id },
        },
      ),
    );
    expect(events.events[0]).toEqual({ type: "worker.operation_requested", reason: "end of class" });
  });

  it("terminates, refreshes, registers and deregisters licenses, each with its job", async () => {
    const worker = await seedWorker("RUNNING", { name: "busy" });
    const run = async (field: string, args = "") => {
      const result = dataOf(
        await mutate<Record<string, Payload>>(
          `mutation($id: ID!) { ${field}(id: $id${args}) { ${PAYLOAD} } }`,
          { id: worker.id },
        ),
      );
      return result[field];
    };
    expect((await run("refreshWorker"))?.job).toMatchObject({ name: "refresh" });
    expect((await run("registerLicense", `, token: "lic-123"`))?.job).toMatchObject({
      name: "register-license",
    });
    expect(await fleet.redis.keys(`${fleet.prefix}:license-token:*`)).toHaveLength(1);
    expect((await run("deregisterLicense"))?.job).toMatchObject({ name: "deregister-license" });
    const terminated = await run("terminateWorker", ", force: true");
    expect(terminated?.worker.desiredStatus).toBe("TERMINATED");
    expect(terminated?.job).toMatchObject({ name: "terminate" });
  });

  it("refuses what the worker's status does not allow as CONFLICT", async () => {
    const terminated = await seedWorker("TERMINATED", { desiredStatus: "TERMINATED", name: "gone" });
    const stopped = await seedWorker("STOPPED", { desiredStatus: "STOPPED", name: "asleep" });
    const start = await mutate(`mutation($id: ID!) { startWorker(id: $id) { worker { id } } }`, {
      id: terminated.id,
    });
    expect(codes(start)).toEqual(["CONFLICT"]);
    expect(start.errors[0]?.message).toContain("TERMINATED");
    const license = await mutate(
      `mutation($id: ID!) { registerLicense(id: $id, token: "t") { worker { id } } }`,
      { id: stopped.id },
    );
    expect(codes(license)).toEqual(["CONFLICT"]);
    const tags = await mutate(`mutation($id: ID!) { setWorkerTags(id: $id, tags: []) { id } }`, {
      id: terminated.id,
    });
    expect(codes(tags)).toEqual(["CONFLICT"]);
  });

  it("answers NOT_FOUND for a worker that does not exist, BAD_USER_INPUT for an id that is none", async () => {
    for (const field of [
      "startWorker",
      "stopWorker",
      "terminateWorker",
      "refreshWorker",
      "deregisterLicense",
    ]) {
      const result = await mutate(`mutation { ${field}(id: "${randomUUID()}") { worker { id } } }`, {});
      expect(codes(result), field).toEqual(["NOT_FOUND"]);
      const malformed = await mutate(`mutation { ${field}(id: "missing") { worker { id } } }`, {});
      expect(codes(malformed), field).toEqual(["BAD_USER_INPUT"]);
    }
  });

  it("needs a license token when the fleet has none configured", async () => {
    const worker = await seedWorker("RUNNING", { name: "unlicensed" });
    const result = await mutate(`mutation($id: ID!) { registerLicense(id: $id) { worker { id } } }`, {
      id: worker.id,
    });
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("worker settings", () => {
  it("replaces tags, and refuses tags EC2 would refuse", async () => {
    const worker = await seedWorker("RUNNING", { name: "tagged", tags: { old: "1" } });
    const query = `mutation($id: ID!, $tags: [TagInput!]!) { setWorkerTags(id: $id, tags: $tags) { tags { key value } } }`;
    const result = dataOf(
      await mutate<{ setWorkerTags: { tags: unknown[] } }>(
        query,
        {
          id: worker.id,
          tags: [
            { key: "b", value: "2" },
            { key: "a", value: "1" },
          ],
        },
        fleet.tokens.OPERATOR,
      ),
    );
    expect(result.setWorkerTags.tags).toEqual([
      { key: "a", value: "1" },
      { key: "b", value: "2" },
    ]);
    const bad = await mutate(
      query,
      { id: worker.id, tags: [{ key: "Name", value: "x" }] },
      fleet.tokens.OPERATOR,
    );
    expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
  });

  it("sets the idle policy, and refuses a threshold out of range", async () => {
    const worker = await seedWorker("RUNNING", { name: "policy" });
    const query = `mutation($id: ID!, $input: IdlePolicyInput!) { setIdlePolicy(id: $id, input: $input) { idle { enabled thresholdMinutes } } }`;
    const result = dataOf(
      await mutate<{ setIdlePolicy: unknown }>(
        query,
        { id: worker.id, input: { enabled: false, thresholdMinutes: 45 } },
        fleet.tokens.OPERATOR,
      ),
    );
    expect(result.setIdlePolicy).toEqual({ idle: { enabled: false, thresholdMinutes: 45 } });
    const bad = await mutate(
      query,
      { id: worker.id, input: { thresholdMinutes: -5 } },
      fleet.tokens.OPERATOR,
    );
    expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
  });

  it("keeps a worker alive until a time, clears it with a past time, refuses one too far ahead", async () => {
    const worker = await seedWorker("RUNNING", { name: "alive" });
    const query = `mutation($id: ID!, $until: DateTime!) { keepAlive(id: $id, until: $until) { idle { keepAliveUntil } } }`;
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const kept = dataOf(
      await mutate<{ keepAlive: { idle: { keepAliveUntil: string | null } } }>(
        query,
        { id: worker.id, until },
        fleet.tokens.OPERATOR,
      ),
    );
    expect(kept.keepAlive.idle.keepAliveUntil).toBe(until);
    const cleared = dataOf(
      await mutate<{ keepAlive: { idle: { keepAliveUntil: string | null } } }>(
        query,
        { id: worker.id, until: "2020-01-01T00:00:00Z" },
        fleet.tokens.OPERATOR,
      ),
    );
    expect(cleared.keepAlive.idle.keepAliveUntil).toBeNull();
    const far = await mutate(
      query,
      { id: worker.id, until: new Date(Date.now() + 30 * 86_400_000).toISOString() },
      fleet.tokens.OPERATOR,
    );
    expect(codes(far)).toEqual(["BAD_USER_INPUT"]);
    const malformed = await mutate(query, { id: worker.id, until: "tomorrow" }, fleet.tokens.OPERATOR);
    expect(codes(malformed)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("importWorkers", () => {
  const IMPORT = `mutation($region: String!, $ids: [String!]) { importWorkers(region: $region, instanceIds: $ids) { name instanceId region status } }`;

  it("waits for the import job and answers with the adopted workers", async () => {
    const result = dataOf(
      await mutate<{ importWorkers: { instanceId: string }[] }>(IMPORT, {
        region: "us-east-1",
        ids: ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"],
      }),
    );
    expect(result.importWorkers.map((worker) => worker.instanceId).sort()).toEqual([
      "i-0aaaaaaaaaaaaaaa1",
      "i-0aaaaaaaaaaaaaaa2",
    ]);
  });

  it("refuses a malformed instance id or region as BAD_USER_INPUT", async () => {
    expect(codes(await mutate(IMPORT, { region: "us-east-1", ids: ["web-1"] }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await mutate(IMPORT, { region: "mars-1", ids: null }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers UPSTREAM_UNAVAILABLE when the job does not finish within the wait", async () => {
    const impatient = await fleet.startApi({ importWaitMs: 300 });
    const result = await gql(impatient.url, IMPORT, {
      token: fleet.tokens.ADMIN,
      variables: { region: SLOW_REGION, ids: ["i-0ccccccccccccccc1"] },
    });
    expect(codes(result)).toEqual(["UPSTREAM_UNAVAILABLE"]);
  });

  it("reports a failed import, and an ADMIN's retryJob runs the failed job again (an OPERATOR may not)", async () => {
    const failed = await mutate(IMPORT, { region: "us-east-1", ids: [FAILING_INSTANCE_ID] });
    expect(codes(failed)).toEqual(["CONFLICT"]);
    const jobs = dataOf(
      await gql<{ jobs: { id: string; name: string }[] }>(
        api.url,
        "{ jobs(state: [FAILED]) { id name failedReason } }",
        { token: fleet.tokens.VIEWER },
      ),
    );
    const job = jobs.jobs.find((candidate) => candidate.name === "import");
    expect(job).toBeDefined();
    // Importing is an ADMIN's request, so is running one again.
    const refused = await mutate(
      "mutation($id: ID!) { retryJob(id: $id) { id state } }",
      { id: job?.id },
      fleet.tokens.OPERATOR,
    );
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
    const retried = dataOf(
      await mutate<{ retryJob: { id: string } }>("mutation($id: ID!) { retryJob(id: $id) { id state } }", {
        id: job?.id,
      }),
    );
    expect(retried.retryJob.id).toBe(job?.id);
    // It fails again (the instance still does not exist): the retry really ran.
    await expect
      .poll(async () => {
        const again = dataOf(
          await gql<{ job: { state: string; attempts: number } }>(
            api.url,
            "query($id: ID!) { job(id: $id) { state attempts } }",
            { token: fleet.tokens.VIEWER, variables: { id: job?.id } },
          ),
        );
        return again.job.state;
      }, PATIENCE)
      .toBe("FAILED");
  });

  it("refuses to retry a job that has not failed (CONFLICT), does not exist (NOT_FOUND) or is no job id (BAD_USER_INPUT)", async () => {
    const created = dataOf(
      await mutate<{ createWorker: Payload }>(CREATE, { input: { name: "delta", region: "us-east-1" } }),
    );
    const notFailed = await mutate("mutation($id: ID!) { retryJob(id: $id) { id } }", {
      id: created.createWorker.job?.id,
    });
    expect(codes(notFailed)).toEqual(["CONFLICT"]);
    const missing = await mutate(
      `mutation { retryJob(id: "stop.${randomUUID()}") { id } }`,
      {},
      fleet.tokens.OPERATOR,
    );
    expect(codes(missing)).toEqual(["NOT_FOUND"]);
    const internal = await mutate(`mutation { retryJob(id: "meta") { id } }`, {}, fleet.tokens.OPERATOR);
    expect(codes(internal)).toEqual(["BAD_USER_INPUT"]);
  });
});
