import { randomUUID } from "node:crypto";
import { systemActor } from "@cml-fleet/core/domain/actor";
import type { NewFleetEvent } from "@cml-fleet/core/domain/fleet-event";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_REDIS_URL } from "../../../platform/test/support/test-redis";
import { anEvent, aWorker } from "../support/worker-factory";
import { codes, dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("event-and-job-paging");

const EVENTS = 620;
const JOBS = 560;
const BASE = Date.UTC(2026, 0, 1, 12, 0, 0);
const worker = aWorker({ name: "paged-lab" });

/** What the idle policy writes when it stops a worker (idle-auto-stop.service.ts), hostile text included. */
const AUTO_STOP: NewFleetEvent = {
  type: "worker.auto_stopped",
  workerId: worker.id,
  at: new Date(BASE + EVENTS * 1000),
  message: "paged-lab was stopped as idle",
  reason: "idle: idle for 32 minutes",
  actor: systemActor("idle-auto-stop"),
  data: {
    reasonCode: "IDLE",
    thresholdMinutes: 30,
    warningAfterMinutes: 25,
    runningNodes: 0,
    cpuPercent: 1.5,
    dryRun: false,
    // A lab title as a worker's CML reported it: an OSC 52 clipboard write and a screen clear inside.
    lastLabTitle: "ccna\u001b]52;c;cm0gLXJmIC8=\u0007 week 1\u001b[2J",
  },
};

interface EventJson {
  readonly id: string;
  readonly type: string;
  readonly at: string;
  readonly actor: string | null;
  readonly data: Record<string, unknown> | null;
  readonly cursor: string;
}

interface JobJson {
  readonly id: string;
  readonly createdAt: string;
  readonly state: string;
  readonly cursor: string;
}

/** Reads a list page by page with `after`, as a client would, until a short page. */
async function readAll<T extends { readonly cursor: string }>(
  read: (after: string | null) => Promise<readonly T[]>,
  first: number,
): Promise<T[]> {
  const all: T[] = [];
  let after: string | null = null;
  for (;;) {
    const page: readonly T[] = await read(after);
    all.push(...page);
    const last = page.at(-1);
    if (last === undefined || page.length < first) {
      return all;
    }
    after = last.cursor;
  }
}

const queues: Queue[] = [];

beforeAll(async () => {
  const events = Array.from({ length: EVENTS }, (_, n) =>
    anEvent({ workerId: worker.id, type: "worker.telemetry_updated", at: new Date(BASE + n * 1000) }),
  );
  await fleet.workers.insert(worker, events);
  await fleet.workers.appendEvents([AUTO_STOP]);

  // Jobs as the queues hold them: imports (BullMQ-style ids of their own) and one stop per worker.
  const imports = new Queue(queueName("import"), {
    connection: { url: TEST_REDIS_URL },
    prefix: fleet.prefix,
  });
  const stops = new Queue(queueName("stop"), { connection: { url: TEST_REDIS_URL }, prefix: fleet.prefix });
  queues.push(imports, stops);
  await imports.addBulk(
    Array.from({ length: JOBS - 60 }, (_, n) => ({
      name: "import",
      data: {
        accountId: "default",
        region: "us-east-1",
        instanceIds: null,
        actor: systemActor("reconciliation"),
      },
      opts: { jobId: `import.${randomUUID()}`, timestamp: BASE + n * 1000 },
    })),
  );
  await stops.addBulk(
    Array.from({ length: 60 }, (_, n) => {
      const workerId = randomUUID();
      return {
        name: "stop",
        data: { workerId, actor: systemActor("idle-auto-stop"), reason: null },
        // Some in the same millisecond as an import: the id breaks the tie.
        opts: { jobId: `stop.${workerId}`, timestamp: BASE + n * 7_000 },
      };
    }),
  );
});

afterAll(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
});

describe("events", () => {
  const query = `query($workerId: ID, $first: Int, $after: String) {
    events(workerId: $workerId, first: $first, after: $after) { id type at actor data cursor } }`;
  const page = (variables: Record<string, unknown>) =>
    gql<{ events: EventJson[] }>(api.url, query, { token: fleet.tokens.VIEWER, variables });

  it("pages past 500, newest first, without losing or repeating one", async () => {
    const all = await readAll(
      async (after) => dataOf(await page({ workerId: worker.id, first: 500, after })).events,
      500,
    );
    expect(all).toHaveLength(EVENTS + 1);
    expect(new Set(all.map((event) => event.id)).size).toBe(EVENTS + 1);
    const instants = all.map((event) => Date.parse(event.at));
    expect(instants).toEqual([...instants].sort((a, b) => b - a));
    expect(instants.at(-1)).toBe(BASE);
  });

  it("shows who stopped a worker as idle and the policy numbers that decided it", async () => {
    const [latest] = dataOf(await page({ workerId: worker.id, first: 1 })).events;
    expect(latest).toMatchObject({
      type: "worker.auto_stopped",
      actor: "system:idle-auto-stop",
      data: {
        reasonCode: "IDLE",
        thresholdMinutes: 30,
        warningAfterMinutes: 25,
        runningNodes: 0,
        cpuPercent: 1.5,
      },
    });
    // The escape sequences a lab user put in a title never reach a client.
    expect(latest?.data?.lastLabTitle).toBe("ccna week 1");
  });

  it("refuses a cursor it did not hand out", async () => {
    for (const after of ["%%%", Buffer.from('["2026-01-01T00:00:00Z","7 or 1=1"]').toString("base64url")]) {
      const answer = await page({ first: 5, after });
      expect(codes(answer)).toEqual(["BAD_USER_INPUT"]);
    }
  });
});

describe("jobs", () => {
  const query = `query($first: Int, $after: String, $state: [JobState!]) {
    jobs(first: $first, after: $after, state: $state) { id createdAt state cursor } }`;
  const page = (variables: Record<string, unknown>) =>
    gql<{ jobs: JobJson[] }>(api.url, query, { token: fleet.tokens.VIEWER, variables });

  it("pages past 500, newest first (created at, then id), without losing or repeating one", async () => {
    const all = await readAll(async (after) => dataOf(await page({ first: 500, after })).jobs, 500);
    expect(all).toHaveLength(JOBS);
    expect(new Set(all.map((job) => job.id)).size).toBe(JOBS);
    const keys = all.map((job) => [Date.parse(job.createdAt), job.id] as const);
    const sorted = [...keys].sort(
      ([at1, id1], [at2, id2]) => at2 - at1 || (id1 < id2 ? 1 : id1 > id2 ? -1 : 0),
    );
    expect(keys).toEqual(sorted);
    expect(keys.at(-1)?.[0]).toBe(BASE);
  });

  it("keeps the state filter across pages", async () => {
    const waiting = await readAll(
      async (after) => dataOf(await page({ first: 200, after, state: ["WAITING"] })).jobs,
      200,
    );
    expect(waiting).toHaveLength(JOBS);
    expect(dataOf(await page({ first: 10, state: ["FAILED"] })).jobs).toEqual([]);
  });

  it("refuses a cursor it did not hand out", async () => {
    expect(codes(await page({ first: 5, after: "not a cursor" }))).toEqual(["BAD_USER_INPUT"]);
  });
});
