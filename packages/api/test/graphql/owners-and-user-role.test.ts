import { randomUUID } from "node:crypto";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { subscriberCount } from "../../../platform/test/support/test-redis";
import { anEvent, aWorker } from "../support/worker-factory";
import { codes, dataOf, gql, PATIENCE, subscribeWs } from "./support/graphql-client";
import { executeSse, executeWs } from "./support/one-shot-transports";
import { subscribeSse } from "./support/sse-client";
import { useTestFleet } from "./support/test-fleet";

/**
 * Owners and the USER role end to end, over HTTP, graphql-ws and SSE: two
 * USER tokens (alice, bob) made by an ADMIN through createApiToken, workers
 * owned by each, one by nobody. Each USER sees exactly its own workers,
 * events, jobs and summary; another owner's worker is as if it did not exist
 * (null, empty, NOT_FOUND for a mutation), never FORBIDDEN.
 */
const { fleet, api } = useTestFleet("owners");

let alice: string;
let bob: string;
/** alice's: one STOPPED (to start), one RUNNING (to stop); bob's: one STOPPED; nobody's: one RUNNING. */
let aliceStopped: Worker;
let aliceRunning: Worker;
let bobStopped: Worker;
let nobodys: Worker;

async function createUserToken(name: string): Promise<string> {
  const created = dataOf(
    await gql<{ createApiToken: { token: string; apiToken: { role: string } } }>(
      api.url,
      "mutation($name: String!) { createApiToken(name: $name, role: USER) { token apiToken { role } } }",
      { token: fleet.tokens.ADMIN, variables: { name } },
    ),
  );
  expect(created.createApiToken.apiToken.role).toBe("USER");
  return created.createApiToken.token;
}

async function seed(overrides: Partial<Worker>, n: number): Promise<Worker> {
  const worker = aWorker(overrides, n);
  await fleet.workers.insert(worker, [
    anEvent({
      workerId: worker.id,
      message: `${worker.name} seeded`,
      at: new Date(Date.UTC(2026, 0, 2, 0, n)),
    }),
  ]);
  return worker;
}

function as(token: string) {
  return <T>(query: string, variables: Record<string, unknown> = {}) =>
    gql<T>(api.url, query, { token, variables });
}

const WORKERS = `query($first: Int, $after: String) {
  workers(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id owner } } }
}`;
interface WorkersPage {
  workers: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: { id: string; owner: string | null } }[];
  };
}

beforeAll(async () => {
  alice = await createUserToken("alice");
  bob = await createUserToken("bob");
  aliceStopped = await seed({ name: "alice-stopped", status: "STOPPED", owner: "alice" }, 1);
  aliceRunning = await seed({ name: "alice-running", status: "RUNNING", owner: "alice" }, 2);
  bobStopped = await seed({ name: "bob-stopped", status: "STOPPED", owner: "bob" }, 3);
  nobodys = await seed({ name: "nobodys", status: "RUNNING", owner: null }, 4);
  // A fleet-wide event (no worker): no USER ever sees it.
  await fleet.workers.appendEvents([anEvent({ type: "fleet.orphan_detected", message: "orphan seen" })]);
});

describe("what a USER reads", () => {
  it("viewer names the USER credential", async () => {
    const result = await as(alice)<{ viewer: { name: string; role: string } }>("{ viewer { name role } }");
    expect(dataOf(result).viewer).toEqual({ name: "alice", role: "USER" });
  });

  it("workers: each USER pages through exactly its own (cursors and totalCount too); an ADMIN sees all", async () => {
    const firstPage = dataOf(await as(alice)<WorkersPage>(WORKERS, { first: 1 })).workers;
    expect(firstPage.totalCount).toBe(2);
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    expect(firstPage.edges.map((edge) => edge.node.id)).toEqual([aliceStopped.id]);
    const secondPage = dataOf(
      await as(alice)<WorkersPage>(WORKERS, { first: 1, after: firstPage.pageInfo.endCursor }),
    ).workers;
    expect(secondPage.edges.map((edge) => edge.node)).toEqual([{ id: aliceRunning.id, owner: "alice" }]);
    expect(secondPage.pageInfo.hasNextPage).toBe(false);

    const bobs = dataOf(await as(bob)<WorkersPage>(WORKERS)).workers;
    expect(bobs.totalCount).toBe(1);
    expect(bobs.edges.map((edge) => edge.node)).toEqual([{ id: bobStopped.id, owner: "bob" }]);

    const all = dataOf(await as(fleet.tokens.ADMIN)<WorkersPage>(WORKERS)).workers;
    expect(all.edges.map((edge) => edge.node.id)).toEqual(
      expect.arrayContaining([aliceStopped.id, aliceRunning.id, bobStopped.id, nobodys.id]),
    );
  });

  it("workers over graphql-ws and SSE are narrowed the same way", async () => {
    const overWs = await executeWs(api.wsUrl, WORKERS, bob);
    expect(overWs.errors).toEqual([]);
    expect((overWs.data as WorkersPage).workers.edges.map((edge) => edge.node.id)).toEqual([bobStopped.id]);
    const overSse = await executeSse(api.url, WORKERS, alice);
    expect(overSse.errors).toEqual([]);
    expect((overSse.data as WorkersPage).workers.edges.map((edge) => edge.node.id)).toEqual([
      aliceStopped.id,
      aliceRunning.id,
    ]);
  });

  it("worker(id) of another owner's worker, or nobody's, is NOT_FOUND to a USER, as one that does not exist", async () => {
    const query = "query($id: ID!) { worker(id: $id) { id name } }";
    const own = await as(alice)<{ worker: { id: string } | null }>(query, { id: aliceRunning.id });
    expect(dataOf(own).worker?.id).toBe(aliceRunning.id);
    for (const id of [bobStopped.id, nobodys.id, randomUUID()]) {
      const other = await as(alice)<{ worker: unknown }>(query, { id });
      expect(codes(other)).toEqual(["NOT_FOUND"]);
      expect(other.data?.worker ?? null).toBeNull();
    }
    const overWs = await executeWs(api.wsUrl, query, bob, { id: aliceRunning.id });
    expect(overWs.errors.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
    const overSse = await executeSse(api.url, query, bob, { id: aliceRunning.id });
    expect(overSse.errors.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
    // The ranked roles keep the contract's answer for an unknown id: null.
    const unknown = await as(fleet.tokens.VIEWER)<{ worker: unknown }>(query, { id: randomUUID() });
    expect(unknown).toMatchObject({ data: { worker: null }, errors: [] });
  });

  it("fleetSummary counts only the USER's workers", async () => {
    const query = "{ fleetSummary { total byStatus { status count } } }";
    type Summary = { fleetSummary: { total: number; byStatus: { status: string; count: number }[] } };
    const count = (summary: Summary, status: string) =>
      summary.fleetSummary.byStatus.find((entry) => entry.status === status)?.count;
    const alices = dataOf(await as(alice)<Summary>(query));
    expect(alices.fleetSummary.total).toBe(2);
    expect(count(alices, "STOPPED")).toBe(1);
    expect(count(alices, "RUNNING")).toBe(1);
    const bobs = dataOf(await as(bob)<Summary>(query));
    expect(bobs.fleetSummary.total).toBe(1);
    expect(count(bobs, "RUNNING")).toBe(0);
    const admins = dataOf(await as(fleet.tokens.ADMIN)<Summary>(query));
    expect(admins.fleetSummary.total).toBeGreaterThanOrEqual(4);
  });

  it("events: only the USER's workers' events, never a fleet-wide one; another's worker's events are empty", async () => {
    const query = "query($workerId: ID) { events(workerId: $workerId, first: 500) { workerId message } }";
    type Events = { events: { workerId: string | null; message: string }[] };
    const alices = dataOf(await as(alice)<Events>(query)).events;
    expect(new Set(alices.map((event) => event.workerId))).toEqual(
      new Set([aliceStopped.id, aliceRunning.id]),
    );
    expect(alices.map((event) => event.message)).not.toContain("orphan seen");
    const admins = dataOf(await as(fleet.tokens.ADMIN)<Events>(query)).events;
    expect(admins.map((event) => event.message)).toContain("orphan seen");
    expect(codes(await as(alice)<Events>(query, { workerId: bobStopped.id }))).toEqual(["NOT_FOUND"]);
    const jobsOfOther = await as(alice)("query($id: ID) { jobs(workerId: $id) { id } }", {
      id: bobStopped.id,
    });
    expect(codes(jobsOfOther)).toEqual(["NOT_FOUND"]);
    const overSse = await executeSse(api.url, query, bob);
    expect(new Set((overSse.data as Events).events.map((event) => event.workerId))).toEqual(
      new Set([bobStopped.id]),
    );
  });
});

describe("what a USER may do", () => {
  const START = "mutation($id: ID!) { startWorker(id: $id) { worker { id desiredStatus } job { id } } }";
  const STOP = "mutation($id: ID!) { stopWorker(id: $id) { worker { id desiredStatus } job { id } } }";
  const TERMINATE = "mutation($id: ID!) { terminateWorker(id: $id) { worker { id } } }";

  it("starts and stops its own workers, and keeps them alive", async () => {
    const started = dataOf(
      await as(alice)<{ startWorker: { worker: { desiredStatus: string }; job: { id: string } } }>(START, {
        id: aliceStopped.id,
      }),
    );
    expect(started.startWorker.worker.desiredStatus).toBe("RUNNING");
    expect(started.startWorker.job.id).toBe(`start.${aliceStopped.id}`);
    const stopped = dataOf(
      await as(alice)<{ stopWorker: { worker: { desiredStatus: string } } }>(STOP, { id: aliceRunning.id }),
    );
    expect(stopped.stopWorker.worker.desiredStatus).toBe("STOPPED");
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const kept = await as(alice)<{ keepAlive: { id: string } }>(
      "mutation($id: ID!, $until: DateTime!) { keepAlive(id: $id, until: $until) { id } }",
      { id: aliceRunning.id, until },
    );
    expect(dataOf(kept).keepAlive.id).toBe(aliceRunning.id);
  });

  it("snapshots its own worker (snapshotWorker, a USER operation)", async () => {
    const SNAPSHOT =
      'mutation($id: ID!) { snapshotWorker(id: $id, description: "before the exam") { worker { id } job { id } } }';
    const taken = await as(alice)<{ snapshotWorker: { worker: { id: string }; job: { id: string } | null } }>(
      SNAPSHOT,
      { id: aliceRunning.id },
    );
    expect(taken.errors).toEqual([]);
    expect(taken.data?.snapshotWorker.worker.id).toBe(aliceRunning.id);
    expect(codes(await as(alice)(SNAPSHOT, { id: bobStopped.id }))).toEqual(["NOT_FOUND"]);
  });

  it("jobs and job show the USER its own workers' jobs only", async () => {
    type Jobs = { jobs: { id: string; workerId: string | null }[] };
    const alices = dataOf(await as(alice)<Jobs>("{ jobs(first: 500) { id workerId } }")).jobs;
    expect(alices.map((job) => job.id)).toEqual(expect.arrayContaining([`start.${aliceStopped.id}`]));
    expect(alices.every((job) => job.workerId === aliceStopped.id || job.workerId === aliceRunning.id)).toBe(
      true,
    );
    expect(dataOf(await as(bob)<Jobs>("{ jobs(first: 500) { id workerId } }")).jobs).toEqual([]);
    const other = await as(bob)<{ job: unknown }>("query($id: ID!) { job(id: $id) { id } }", {
      id: `start.${aliceStopped.id}`,
    });
    expect(other.errors).toEqual([]);
    expect(other.data?.job).toBeNull();
  });

  it("another owner's worker is NOT_FOUND for every mutation, even one a USER may never run, and stays as it was", async () => {
    const before = await fleet.workers.findById(bobStopped.id);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const attempts: [string, Record<string, unknown>][] = [
      [START, { id: bobStopped.id }],
      [STOP, { id: bobStopped.id }],
      [TERMINATE, { id: bobStopped.id }],
      [
        "mutation($id: ID!, $until: DateTime!) { keepAlive(id: $id, until: $until) { id } }",
        { id: bobStopped.id, until },
      ],
      [
        'mutation($id: ID!) { setWorkerTags(id: $id, tags: [{ key: "k", value: "v" }]) { id } }',
        { id: bobStopped.id },
      ],
      ['mutation($id: ID!) { setWorkerOwner(id: $id, owner: "alice") { id } }', { id: bobStopped.id }],
      ["mutation($id: ID!) { setWorkerSchedule(id: $id, scheduleId: null) { id } }", { id: bobStopped.id }],
      [START, { id: nobodys.id }],
    ];
    for (const [document, variables] of attempts) {
      const result = await as(alice)(document, variables);
      expect({ document, codes: codes(result) }).toEqual({ document, codes: ["NOT_FOUND"] });
    }
    const overWs = await executeWs(api.wsUrl, TERMINATE, alice, { id: bobStopped.id });
    expect(overWs.errors.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
    const overSse = await executeSse(api.url, START, alice, { id: bobStopped.id });
    expect(overSse.errors.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
    const after = await fleet.workers.findById(bobStopped.id);
    expect(after?.version).toBe(before?.version);
    expect(after?.owner).toBe("bob");
  });

  it("everything else is FORBIDDEN: terminating its own worker, tokens, tags, the audit log", async () => {
    const refused: [string, Record<string, unknown>][] = [
      [TERMINATE, { id: aliceRunning.id }],
      ['mutation { createApiToken(name: "mallory", role: ADMIN) { token } }', {}],
      [
        'mutation($id: ID!) { setWorkerTags(id: $id, tags: [{ key: "k", value: "v" }]) { id } }',
        { id: aliceRunning.id },
      ],
      ["mutation($id: ID!) { refreshWorker(id: $id) { worker { id } } }", { id: aliceRunning.id }],
      ['mutation { createWorker(input: { name: "mine", region: "us-east-1" }) { worker { id } } }', {}],
      ["mutation($id: ID!) { setWorkerSchedule(id: $id, scheduleId: null) { id } }", { id: aliceRunning.id }],
      ["{ apiTokens { id } }", {}],
      ["{ auditLog { action } }", {}],
    ];
    for (const [document, variables] of refused) {
      const result = await as(alice)(document, variables);
      expect({ document, codes: codes(result) }).toEqual({ document, codes: ["FORBIDDEN"] });
    }
    const overWs = await executeWs(api.wsUrl, TERMINATE, alice, { id: aliceRunning.id });
    expect(overWs.errors.map((error) => error.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect((await fleet.workers.findById(aliceRunning.id))?.desiredStatus).not.toBe("TERMINATED");
  });
});

describe("subscriptions of a USER", () => {
  async function waitForSubscribers(topic: string, count: number): Promise<void> {
    const channel = `${fleet.prefix}:${topic}`;
    await expect.poll(() => subscriberCount(fleet.redis, channel), PATIENCE).toBeGreaterThanOrEqual(count);
  }

  async function tag(id: string, value: string): Promise<void> {
    dataOf(
      await gql(
        api.url,
        'mutation($id: ID!, $value: String!) { setWorkerTags(id: $id, tags: [{ key: "k", value: $value }]) { id } }',
        {
          token: fleet.tokens.ADMIN,
          variables: { id, value },
        },
      ),
    );
  }

  it("fleet-wide workerChanged (graphql-ws) and fleetEvents (SSE) deliver the USER's own worker, not the other's", async () => {
    const changes = subscribeWs<{ workerChanged: { id: string; owner: string | null } }>(
      api.wsUrl,
      "subscription { workerChanged { id owner } }",
      { token: alice },
    );
    const events = subscribeSse<{ fleetEvents: { workerId: string | null; type: string } }>(
      api.url,
      "subscription { fleetEvents { workerId type } }",
      { token: alice },
    );
    try {
      await waitForSubscribers(TOPICS.workerChanged, 1);
      await waitForSubscribers(TOPICS.fleetEvent, 1);
      // bob's change first: once alice's own arrives, bob's (published before it, on the same channel) was filtered out.
      await tag(bobStopped.id, "bobs");
      await tag(nobodys.id, "nobodys");
      await tag(aliceRunning.id, "alices");
      await vi.waitFor(() => {
        expect(changes.events.map((event) => event.workerChanged.id)).toContain(aliceRunning.id);
        expect(events.events.map((event) => event.fleetEvents.workerId)).toContain(aliceRunning.id);
      }, PATIENCE);
      expect(new Set(changes.events.map((event) => event.workerChanged.owner))).toEqual(new Set(["alice"]));
      expect(new Set(events.events.map((event) => event.fleetEvents.workerId))).toEqual(
        new Set([aliceRunning.id]),
      );
      expect(changes.errors).toEqual([]);
      expect(events.errors).toEqual([]);
    } finally {
      await changes.dispose();
      await events.dispose();
    }
  });

  it("one fleet event costs one owner read, however many USER subscribers the process has", async () => {
    const QUERY = "subscription { fleetEvents { id workerId } }";
    type Event = { fleetEvents: { id: string; workerId: string | null } };
    const latestEventOf = async (workerId: string): Promise<string> => {
      const { events } = dataOf<{ events: { id: string }[] }>(
        await gql(api.url, "query($id: ID!) { events(workerId: $id, first: 20) { id } }", {
          token: fleet.tokens.ADMIN,
          variables: { id: workerId },
        }),
      );
      return String(Math.max(...events.map((event) => Number(event.id))));
    };
    const hasEvent = (subscription: { events: Event[] }, id: string) =>
      subscription.events.some((event) => event.fleetEvents.id === id);
    const alices = [
      subscribeWs<Event>(api.wsUrl, QUERY, { token: alice }),
      subscribeSse<Event>(api.url, QUERY, { token: alice }),
    ];
    const bobs = subscribeWs<Event>(api.wsUrl, QUERY, { token: bob });
    const received = (subscription: { events: Event[] }, id: string) =>
      subscription.events.filter((event) => event.fleetEvents.workerId === id).length;
    try {
      await waitForSubscribers(TOPICS.fleetEvent, 1);
      // Until each subscriber has an event of its own, it may not be listening yet.
      let round = 0;
      await vi.waitFor(async () => {
        round += 1;
        await tag(aliceRunning.id, `prime-${round}`);
        await tag(bobStopped.id, `prime-${round}`);
        for (const subscription of alices) {
          expect(received(subscription, aliceRunning.id)).toBeGreaterThan(0);
        }
        expect(received(bobs, bobStopped.id)).toBeGreaterThan(0);
      }, PATIENCE);
      const before = alices.map((subscription) => received(subscription, aliceRunning.id));
      const bobBefore = received(bobs, bobStopped.id);
      const statements = await fleet.db.recordStatements(async () => {
        await tag(aliceRunning.id, "measured");
        const alicesMeasured = await latestEventOf(aliceRunning.id);
        // bob's stream is in order: once bob has his own measured event, his filter has seen alice's too.
        await tag(bobStopped.id, "measured");
        const bobsMeasured = await latestEventOf(bobStopped.id);
        // The measured events themselves (not a priming one still on its way): every read of theirs is in the window.
        await vi.waitFor(() => {
          for (const subscription of alices) {
            expect(hasEvent(subscription, alicesMeasured)).toBe(true);
          }
          expect(hasEvent(bobs, bobsMeasured)).toBe(true);
        }, PATIENCE);
      });
      const ownerReads = statements.filter((statement) => /select "id", "owner" from/.test(statement));
      // The events the process delivered in the window: the two measured ones, and any of the priming rounds
      // that was still on its way (each reaches alice's first stream or bob's).
      const eventsInWindow =
        received(alices[0] ?? bobs, aliceRunning.id) -
        (before[0] ?? 0) +
        received(bobs, bobStopped.id) -
        bobBefore;
      // Three USER subscribers each: at most one read per event (fewer when events are batched), never one per subscriber.
      expect(ownerReads.length).toBeGreaterThan(0);
      expect(ownerReads.length).toBeLessThanOrEqual(eventsInWindow);
      expect(bobs.events.map((event) => event.fleetEvents.workerId)).not.toContain(aliceRunning.id);
    } finally {
      for (const subscription of [...alices, bobs]) {
        await subscription.dispose();
      }
    }
  });

  it("a subscription naming another owner's worker is NOT_FOUND (graphql-ws and SSE)", async () => {
    const overWs = subscribeWs(api.wsUrl, "subscription($id: ID) { workerChanged(id: $id) { id } }", {
      token: alice,
      variables: { id: bobStopped.id },
    });
    const overSse = subscribeSse(api.url, "subscription($id: ID) { fleetEvents(workerId: $id) { id } }", {
      token: alice,
      variables: { id: bobStopped.id },
    });
    try {
      await vi.waitFor(() => {
        expect(JSON.stringify(overWs.errors)).toContain("NOT_FOUND");
        expect(JSON.stringify(overSse.errors)).toContain("NOT_FOUND");
      }, PATIENCE);
      expect(overWs.events).toEqual([]);
      expect(overSse.events).toEqual([]);
    } finally {
      await overWs.dispose();
      await overSse.dispose();
    }
  });

  it("jobUpdated (graphql-ws) delivers the jobs of the USER's own workers only", async () => {
    const jobs = subscribeWs<{ jobUpdated: { id: string; workerId: string | null } }>(
      api.wsUrl,
      "subscription { jobUpdated { id workerId } }",
      { token: bob },
    );
    const refresh = async (id: string) =>
      dataOf(
        await gql(api.url, "mutation($id: ID!) { refreshWorker(id: $id) { job { id } } }", {
          token: fleet.tokens.ADMIN,
          variables: { id },
        }),
      );
    try {
      await waitForSubscribers(TOPICS.jobUpdated, 1);
      await refresh(aliceRunning.id);
      await refresh(nobodys.id);
      await refresh(bobStopped.id);
      await vi.waitFor(
        () => expect(jobs.events.map((event) => event.jobUpdated.id)).toContain(`refresh.${bobStopped.id}`),
        PATIENCE,
      );
      expect(new Set(jobs.events.map((event) => event.jobUpdated.workerId))).toEqual(
        new Set([bobStopped.id]),
      );
      expect(jobs.errors).toEqual([]);
    } finally {
      await jobs.dispose();
    }
  });
});

describe("owners as an ADMIN sets them", () => {
  const SET_OWNER =
    "mutation($id: ID!, $owner: String) { setWorkerOwner(id: $id, owner: $owner) { id owner } }";

  it("setWorkerOwner refuses a name that is no identity as BAD_USER_INPUT and changes nothing", async () => {
    const worker = await seed({ name: "to-give", status: "STOPPED", owner: "bob" }, 10);
    for (const owner of ["bad\nname", "x".repeat(257), "-leading", "semi;colon", "<script>"]) {
      const result = await gql(api.url, SET_OWNER, {
        token: fleet.tokens.ADMIN,
        variables: { id: worker.id, owner },
      });
      expect({ owner, codes: codes(result) }).toEqual({ owner, codes: ["BAD_USER_INPUT"] });
    }
    const after = await fleet.workers.findById(worker.id);
    expect(after?.owner).toBe("bob");
    expect(after?.version).toBe(worker.version);
    const byOperator = await gql(api.url, SET_OWNER, {
      token: fleet.tokens.OPERATOR,
      variables: { id: worker.id, owner: "alice" },
    });
    expect(codes(byOperator)).toEqual(["FORBIDDEN"]);
  });

  it("setWorkerOwner hands a worker over (event, audit) and null clears it", async () => {
    const worker = await seed({ name: "handed-over", status: "STOPPED", owner: "bob" }, 11);
    const given = await gql<{ setWorkerOwner: { owner: string } }>(api.url, SET_OWNER, {
      token: fleet.tokens.ADMIN,
      variables: { id: worker.id, owner: " alice " },
    });
    expect(dataOf(given).setWorkerOwner.owner).toBe("alice");
    const seenByAlice = await as(alice)<{ worker: { id: string } | null }>(
      "query($id: ID!) { worker(id: $id) { id } }",
      { id: worker.id },
    );
    expect(dataOf(seenByAlice).worker?.id).toBe(worker.id);
    const startedByBob = await as(bob)("mutation($id: ID!) { startWorker(id: $id) { job { id } } }", {
      id: worker.id,
    });
    expect(codes(startedByBob)).toEqual(["NOT_FOUND"]);
    const events = dataOf(
      await gql<{ events: { type: string; data: { from: string; to: string } }[] }>(
        api.url,
        "query($id: ID) { events(workerId: $id) { type data } }",
        { token: fleet.tokens.ADMIN, variables: { id: worker.id } },
      ),
    ).events;
    expect(events[0]).toEqual({ type: "worker.owner_changed", data: { from: "bob", to: "alice" } });
    const audit = dataOf(
      await gql<{ auditLog: { action: string }[] }>(
        api.url,
        '{ auditLog(action: "setWorkerOwner") { action } }',
        {
          token: fleet.tokens.ADMIN,
        },
      ),
    ).auditLog;
    expect(audit.length).toBeGreaterThanOrEqual(1);
    const cleared = await gql<{ setWorkerOwner: { owner: string | null } }>(api.url, SET_OWNER, {
      token: fleet.tokens.ADMIN,
      variables: { id: worker.id, owner: null },
    });
    expect(dataOf(cleared).setWorkerOwner.owner).toBeNull();
  });

  it("createWorker takes an owner (none when omitted) and refuses a bad one, creating nothing", async () => {
    const CREATE = `mutation($name: String!, $owner: String) {
      createWorker(input: { name: $name, region: "us-east-1", owner: $owner }) { worker { id owner } } }`;
    const owned = dataOf(
      await gql<{ createWorker: { worker: { id: string; owner: string | null } } }>(api.url, CREATE, {
        token: fleet.tokens.ADMIN,
        variables: { name: "for-bob", owner: "bob" },
      }),
    ).createWorker.worker;
    expect(owned.owner).toBe("bob");
    const unowned = dataOf(
      await gql<{ createWorker: { worker: { owner: string | null } } }>(api.url, CREATE, {
        token: fleet.tokens.ADMIN,
        variables: { name: "for-nobody" },
      }),
    ).createWorker.worker;
    expect(unowned.owner).toBeNull();
    const bobsNow = dataOf(await as(bob)<WorkersPage>(WORKERS)).workers.edges.map((edge) => edge.node.id);
    expect(bobsNow).toContain(owned.id);
    const total = async () => dataOf(await as(fleet.tokens.ADMIN)<WorkersPage>(WORKERS)).workers.totalCount;
    const before = await total();
    const refused = await gql(api.url, CREATE, {
      token: fleet.tokens.ADMIN,
      variables: { name: "for-nobody-2", owner: "tab\there" },
    });
    expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(await total()).toBe(before);
  });
});
