import { systemActor } from "@cml-fleet/core/domain/actor";
import {
  ConcurrentModificationError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from "@cml-fleet/core/errors";
import type { AuditEntry } from "@cml-fleet/core/ports/worker-repository.port";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anEvent, aWorker } from "../../../api/test/support/worker-factory";
import { auditLog } from "../../src/db/schema/audit";
import { fleetEvents } from "../../src/db/schema/events";
import { workerLabs } from "../../src/db/schema/labs";
import { workers } from "../../src/db/schema/workers";
import { createAuditRepository } from "../../src/repositories/audit.repository";
import {
  createWorkerRepository,
  type DrizzleWorkerRepository,
} from "../../src/repositories/worker.repository";
import { workerCursor } from "../../src/repositories/worker-cursor";
import { toNewWorkerRow } from "../../src/repositories/worker-row.mapper";
import { createTestDatabase, type TestDatabase } from "../../src/testing/test-database";

let testDb: TestDatabase;
let repository: DrizzleWorkerRepository;

beforeAll(async () => {
  testDb = await createTestDatabase("worker_repo");
  repository = createWorkerRepository(testDb.db);
});
afterAll(() => testDb.cleanup());
beforeEach(async () => {
  await testDb.db.delete(fleetEvents);
  await testDb.db.delete(workerLabs);
  await testDb.db.delete(workers);
  await testDb.db.delete(auditLog);
});

describe("worker repository", () => {
  it("reads back exactly the worker it inserted, with its events", async () => {
    const worker = aWorker({
      instanceId: "i-0abc",
      publicIp: "203.0.113.7",
      tags: { team: "netops" },
      idempotencyKey: "key-1",
      license: {
        status: "REGISTERED",
        nodeLimit: 20,
        nodesInUse: 4,
        checkedAt: new Date("2026-01-01T12:30:00.123Z"),
      },
      telemetry: {
        sampledAt: new Date("2026-01-01T12:31:00.456Z"),
        cpuPercent: 12.5,
        memoryPercent: null,
        networkInBytes: 10,
        networkOutBytes: 20,
        runningNodes: 3,
        startedLabs: 1,
        cmlReachable: true,
        instanceStatusCheck: "ok",
        systemStatusCheck: null,
      },
      idle: {
        lastActivityAt: new Date("2026-01-01T12:00:00.001Z"),
        idleSince: null,
        warnedAt: null,
        autoStopAt: null,
        keepAliveUntil: new Date("2026-01-02T00:00:00.000Z"),
        lastStartedAt: null,
      },
      idlePolicy: { enabled: false, thresholdMinutes: 45 },
      labs: [
        { id: "lab-b", title: "B", state: "STARTED", nodeCount: 4 },
        { id: "lab-a", title: "A", state: "STOPPED" },
      ],
      serviceStatusReason: "controller starting",
      owner: "alice",
      tagSync: {
        pendingSince: new Date("2026-01-01T12:32:00.789Z"),
        appliedAt: null,
        lastError: "throttled",
      },
      cmlTrust: { confirmed: false, certificateFingerprint: "ab:cd", rejectedFingerprint: null },
      scheduleState: {
        openingAt: new Date("2026-01-03T08:00:00.000Z"),
        startedAt: new Date("2026-01-03T07:50:00.010Z"),
        leadMs: 600_000,
        lateRecorded: false,
      },
    });
    const { events } = await repository.insert(worker, [anEvent({ workerId: worker.id })]);

    expect(await repository.findById(worker.id)).toEqual(worker);
    // The pages read the row as one json value (see worker-json-row.ts): the same worker, whichever page.
    expect((await repository.list({}, 5, null)).workers).toEqual([worker]);
    expect((await repository.list({ owners: ["alice"] }, 5, null)).workers).toEqual([worker]);
    expect(await repository.findByIdempotencyKey("key-1")).toEqual(worker);
    expect(await repository.findByInstanceIds(["i-0abc", "i-unknown"])).toEqual([worker]);
    expect(await repository.findByIds([worker.id, "missing"])).toEqual([worker]);
    expect(events).toHaveLength(1);
    expect(await repository.listEvents(worker.id, 10)).toEqual(events);
  });

  it("answers null or nothing for unknown workers", async () => {
    expect(await repository.findById("nope")).toBeNull();
    expect(await repository.findByIdempotencyKey("nope")).toBeNull();
    expect(await repository.findByIds([])).toEqual([]);
  });

  it("refuses a second worker with the same idempotency key as a conflict", async () => {
    await repository.insert(aWorker({ idempotencyKey: "same" }), []);
    await expect(repository.insert(aWorker({ idempotencyKey: "same" }, 1), [])).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it("saves a change with a new version and a later updatedAt, and writes its events", async () => {
    const { worker } = await repository.insert(aWorker(), []);
    const changed = { ...worker, status: "RUNNING" as const, tags: { env: "lab" } };
    const event = anEvent({
      workerId: worker.id,
      type: "worker.status_changed",
      data: { from: "PENDING", to: "RUNNING" },
    });
    const saved = await repository.save(changed, [event]);

    expect(saved.worker.version).toBe(worker.version + 1);
    expect(saved.worker.status).toBe("RUNNING");
    expect(saved.worker.updatedAt.getTime()).toBeGreaterThan(worker.updatedAt.getTime());
    expect(await repository.findById(worker.id)).toEqual(saved.worker);
    expect((await repository.listEvents(worker.id, 10)).map((e) => e.type)).toEqual([
      "worker.status_changed",
    ]);
  });

  it("rejects the second of two saves from the same version and writes nothing for it", async () => {
    const { worker } = await repository.insert(aWorker(), []);
    await repository.save({ ...worker, name: "first" }, [anEvent({ workerId: worker.id, message: "first" })]);

    const second = repository.save({ ...worker, name: "second" }, [
      anEvent({ workerId: worker.id, message: "second" }),
    ]);
    await expect(second).rejects.toBeInstanceOf(ConcurrentModificationError);

    const stored = await repository.findById(worker.id);
    expect(stored?.name).toBe("first");
    expect(stored?.version).toBe(worker.version + 1);
    expect((await repository.listEvents(worker.id, 10)).map((e) => e.message)).toEqual(["first"]);
  });

  it("writes a mutation's audit row with the change, and none when the change is refused", async () => {
    const audits = createAuditRepository(testDb.db);
    const entry = (operation: string): AuditEntry => ({
      at: new Date(),
      actor: "alice",
      role: "OPERATOR",
      operation,
      arguments: { id: "w" },
      outcome: "ok",
      errorMessage: null,
      requestId: null,
    });
    const { worker } = await repository.insert(aWorker(), [], { audit: [entry("createWorker")] });
    await repository.save({ ...worker, name: "renamed" }, [], { audit: [entry("stopWorker")] });
    const stale = repository.save({ ...worker, name: "stale" }, [], { audit: [entry("startWorker")] });
    await expect(stale).rejects.toBeInstanceOf(ConcurrentModificationError);

    const operations = (await audits.list(10)).map((record) => record.operation);
    expect(operations.sort()).toEqual(["createWorker", "stopWorker"]);
  });

  it("writes no event when the save fails, and no change when an event fails", async () => {
    const { worker } = await repository.insert(aWorker(), []);
    await expect(
      repository.save({ ...worker, id: "missing" }, [anEvent({ workerId: "missing" })]),
    ).rejects.toBeInstanceOf(NotFoundError);
    // An event the database refuses (message is NOT NULL) must undo the worker change with it.
    const badEvent = anEvent({
      workerId: worker.id,
      type: "worker.failed",
      message: null as unknown as string,
    });
    await expect(repository.save({ ...worker, name: "renamed" }, [badEvent])).rejects.toThrow();

    expect(await repository.findById(worker.id)).toEqual(worker);
    expect(await repository.listEvents(null, 10)).toEqual([]);
  });

  it("lists events newest first, for one worker or the whole fleet", async () => {
    const { worker } = await repository.insert(aWorker(), []);
    await repository.appendEvents([
      anEvent({ workerId: worker.id, at: new Date("2026-01-01T00:00:01Z"), message: "one" }),
      anEvent({ workerId: worker.id, at: new Date("2026-01-01T00:00:02Z"), message: "two" }),
      anEvent({
        workerId: null,
        type: "fleet.orphan_detected",
        at: new Date("2026-01-01T00:00:03Z"),
        message: "orphan",
        actor: systemActor("reconciliation"),
      }),
    ]);
    expect((await repository.listEvents(worker.id, 10)).map((e) => e.message)).toEqual(["two", "one"]);
    expect((await repository.listEvents(null, 2)).map((e) => e.message)).toEqual(["orphan", "two"]);
  });

  it("replaces a worker's labs, and every read returns them in CML's order", async () => {
    const { worker } = await repository.insert(
      aWorker({ labs: [{ id: "old", title: "Old", state: "STARTED" }] }),
      [],
    );
    const labs = [
      { id: "z", title: "Zulu", state: "STARTED" },
      { id: "a", title: "Alpha", state: "DEFINED_ON_CORE" },
    ];
    await repository.saveLabs(worker.id, labs);

    expect((await repository.findById(worker.id))?.labs).toEqual(labs);
    expect((await repository.list({}, 10, null)).workers[0]?.labs).toEqual(labs);
    await repository.saveLabs(worker.id, []);
    expect((await repository.findById(worker.id))?.labs).toEqual([]);
  });

  it("lists only workers that are not terminated as active", async () => {
    const running = aWorker({ status: "RUNNING" }, 1);
    await repository.insert(running, []);
    await repository.insert(aWorker({ status: "TERMINATED", desiredStatus: "TERMINATED" }, 2), []);
    expect((await repository.listActive()).map((w) => w.id)).toEqual([running.id]);
  });
});

describe("worker list", () => {
  it("filters by region, statuses, search and tag, and counts the matches", async () => {
    const east = aWorker(
      {
        name: "east-lab",
        region: "us-east-1",
        status: "RUNNING",
        instanceId: "i-0east",
        tags: { team: "a" },
      },
      1,
    );
    const west = aWorker(
      {
        name: "west-lab",
        region: "us-west-2",
        status: "STOPPED",
        publicIp: "198.51.100.9",
        tags: { team: "b" },
      },
      2,
    );
    const other = aWorker(
      {
        name: "100%_odd",
        region: "us-west-2",
        status: "RUNNING",
        privateIp: "10.0.0.5",
        tags: { team: "a", env: "x" },
      },
      3,
    );
    for (const worker of [east, west, other]) {
      await repository.insert(worker, []);
    }
    const ids = async (filter: Parameters<DrizzleWorkerRepository["list"]>[0]) => {
      const page = await repository.list(filter, 10, null);
      expect(page.totalCount).toBe(page.workers.length);
      return page.workers.map((w) => w.id);
    };

    expect(await ids({})).toEqual([east.id, west.id, other.id]);
    expect(await ids({ region: "us-west-2" })).toEqual([west.id, other.id]);
    expect(await ids({ statuses: ["RUNNING"] })).toEqual([east.id, other.id]);
    expect(await ids({ statuses: [] })).toEqual([]);
    expect(await ids({ search: "WEST" })).toEqual([west.id]);
    expect(await ids({ search: "i-0ea" })).toEqual([east.id]);
    expect(await ids({ search: "198.51" })).toEqual([west.id]);
    expect(await ids({ search: "10.0.0" })).toEqual([other.id]);
    // Pattern characters are literal: "%" matches only a name that contains it.
    expect(await ids({ search: "0%_" })).toEqual([other.id]);
    expect(await ids({ tag: { key: "team", value: "a" } })).toEqual([east.id, other.id]);
    expect(
      await ids({ tag: { key: "team", value: "a" }, region: "us-west-2", statuses: ["RUNNING"] }),
    ).toEqual([other.id]);
  });

  it("pages through every worker once, in creation order, with the full count on each page", async () => {
    const inserted = [];
    for (let n = 0; n < 7; n += 1) {
      // Two workers per creation instant: the id breaks the tie.
      inserted.push((await repository.insert(aWorker({}, Math.floor(n / 2)), [])).worker);
    }
    const expected = [...inserted]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
      .map((w) => w.id);

    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await repository.list({}, 3, after);
      expect(page.totalCount).toBe(7);
      seen.push(...page.workers.map((w) => w.id));
      const last = page.workers.at(-1);
      if (!page.hasNextPage || last === undefined) {
        break;
      }
      after = workerCursor(last);
    }
    expect(seen).toEqual(expected);

    // Past the last worker the page is empty, and the total still counts every match.
    const lastWorker = inserted.find((w) => w.id === expected.at(-1));
    const beyond = await repository.list({}, 3, lastWorker === undefined ? null : workerCursor(lastWorker));
    expect(beyond).toEqual({ workers: [], hasNextPage: false, totalCount: 7 });
    const none = await repository.list({ region: "nowhere-1" }, 3, null);
    expect(none).toEqual({ workers: [], hasNextPage: false, totalCount: 0 });
  });

  it("keeps the whole fleet's total exact through inserts, conflicts, deletes and a truncate", async () => {
    const total = async () => (await repository.list({}, 1, null)).totalCount;
    expect(await total()).toBe(0);
    const first = aWorker({ idempotencyKey: "count-1" }, 0);
    await repository.insert(first, []);
    // One statement of three rows, as a bulk import writes them.
    const rows = [1, 2, 3].map((n) => toNewWorkerRow(aWorker({}, n)));
    await testDb.db.insert(workers).values(rows);
    expect(await total()).toBe(4);
    // A rejected insert moves nothing: its transaction rolls back with the count.
    await expect(repository.insert(aWorker({ idempotencyKey: "count-1" }, 9), [])).rejects.toBeInstanceOf(
      ConflictError,
    );
    await testDb.db.insert(workers).values(rows.slice(0, 1)).onConflictDoNothing();
    expect(await total()).toBe(4);
    await testDb.db.delete(workers).where(eq(workers.id, first.id));
    expect(await total()).toBe(3);
    // Past the last worker the total comes from the same count.
    expect((await repository.list({}, 1, workerCursor(first))).totalCount).toBe(3);
    await testDb.db.execute(sql`truncate ${workers}`);
    expect(await total()).toBe(0);
    await repository.insert(aWorker({}, 5), []);
    expect(await total()).toBe(1);
  });

  it("refuses a cursor it did not make", async () => {
    await expect(repository.list({}, 10, "not-a-cursor")).rejects.toBeInstanceOf(ValidationError);
    await expect(repository.list({}, -1, null)).rejects.toBeInstanceOf(ValidationError);
  });
});
