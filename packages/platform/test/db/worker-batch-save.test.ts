import { randomUUID } from "node:crypto";
import type { CmlLab, Worker } from "@cml-fleet/core/domain/worker";
import type { WorkerBatchEntry } from "@cml-fleet/core/ports/worker-repository.port";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anEvent, aWorker } from "../../../api/test/support/worker-factory";
import { telemetry } from "../../../core/test/support/worker-factory";
import { openDatabase } from "../../src/db/database";
import { migrateDatabase } from "../../src/db/migrate";
import { fleetEvents } from "../../src/db/schema/events";
import { workerLabs } from "../../src/db/schema/labs";
import { workers } from "../../src/db/schema/workers";
import {
  createWorkerRepository,
  type DrizzleWorkerRepository,
} from "../../src/repositories/worker.repository";
import { toNewWorkerRow } from "../../src/repositories/worker-row.mapper";
import { createTestDatabase, type TestDatabase } from "../../src/testing/test-database";

let testDb: TestDatabase;
let repository: DrizzleWorkerRepository;

beforeAll(async () => {
  testDb = await createTestDatabase("worker_batch_save");
  repository = createWorkerRepository(testDb.db);
});
afterAll(() => testDb.cleanup());
beforeEach(async () => {
  await testDb.db.delete(fleetEvents);
  await testDb.db.delete(workerLabs);
  await testDb.db.delete(workers);
});

/** `count` stored workers, each given `n` (so their names and creation times differ). */
async function storedWorkers(count: number, overrides: Partial<Worker> = {}): Promise<Worker[]> {
  const made = Array.from({ length: count }, (_, n) => aWorker({ ...overrides, id: randomUUID() }, n));
  await testDb.db.insert(workers).values(made.map(toNewWorkerRow));
  return repository.findByIds(made.map((worker) => worker.id));
}

/** A change a sweep could make: a new CML version and labs, an event, a later updatedAt. */
function sweptEntry(worker: Worker, labs?: readonly CmlLab[]): WorkerBatchEntry {
  return {
    worker: {
      ...worker,
      cmlVersion: "2.9.1",
      serviceStatus: "AVAILABLE",
      updatedAt: new Date(worker.updatedAt.getTime() + 60_000),
    },
    events: [anEvent({ workerId: worker.id, type: "worker.service_status_changed", message: worker.name })],
    labs,
  };
}

describe("saving many workers at once", () => {
  it("writes 10 or 300 workers, their labs and their events in the same six statements", async () => {
    const statementsFor = async (count: number) => {
      const stored = await storedWorkers(count);
      const entries = stored.map((worker, index) =>
        sweptEntry(
          worker,
          index % 2 === 0 ? [{ id: `lab-${index}`, title: "L", state: "STARTED" }] : undefined,
        ),
      );
      let result: Awaited<ReturnType<typeof repository.saveMany>> | undefined;
      const statements = await testDb.recordStatements(async () => {
        result = await repository.saveMany(entries);
      });
      return { stored, statements, result };
    };

    const ten = await statementsFor(10);
    const many = await statementsFor(300);

    // begin, the UPDATE, the labs' DELETE and INSERT, the events' INSERT, commit.
    expect(ten.statements).toHaveLength(6);
    expect(many.statements).toHaveLength(ten.statements.length);
    expect(many.result?.conflicts).toEqual([]);
    expect(many.result?.saved).toHaveLength(300);
    for (const [index, worker] of many.stored.entries()) {
      const saved = many.result?.saved[index];
      const read = await repository.findById(worker.id);
      expect(read).toEqual(saved?.worker);
      expect(read).toMatchObject({
        version: worker.version + 1,
        cmlVersion: "2.9.1",
        serviceStatus: "AVAILABLE",
      });
      expect(read?.labs).toEqual(
        index % 2 === 0 ? [{ id: `lab-${index}`, title: "L", state: "STARTED" }] : [],
      );
      expect(saved?.events).toEqual([
        expect.objectContaining({ id: expect.any(String), workerId: worker.id, message: worker.name }),
      ]);
    }
  });

  it("leaves a worker whose version moved as it is, with none of its events or labs, and writes the others", async () => {
    const [moved, other] = await storedWorkers(2);
    if (moved === undefined || other === undefined) {
      throw new Error("two workers were stored");
    }
    await repository.saveLabs(moved.id, [{ id: "kept", title: "Kept", state: "STARTED" }]);
    const edited = await repository.save({ ...moved, tags: { team: "blue" } }, []);

    const result = await repository.saveMany([
      sweptEntry(moved, [{ id: "old", title: "Old", state: "STOPPED" }]),
      sweptEntry(other),
    ]);

    expect(result.conflicts).toEqual([moved.id]);
    expect(result.saved.map((saved) => saved.worker.id)).toEqual([other.id]);
    expect(await repository.findById(moved.id)).toEqual({
      ...edited.worker,
      labs: [{ id: "kept", title: "Kept", state: "STARTED" }],
    });
    expect(await testDb.db.select().from(fleetEvents).where(eq(fleetEvents.workerId, moved.id))).toEqual([]);
  });

  it("writes text that array literals must escape exactly as it was given, and nulls as nulls", async () => {
    const [stored] = await storedWorkers(1);
    if (stored === undefined) {
      throw new Error("a worker was stored");
    }
    const hostile = 'a "quoted", {braced} \\ back\\slash\nline NULL \u00e9\u{1F600}';
    const entry = sweptEntry(stored);
    const changed: Worker = {
      ...entry.worker,
      statusReason: hostile,
      publicIp: null,
      endpoint: "NULL",
      tags: { [hostile]: hostile, empty: "", nul: "NULL" },
    };

    const result = await repository.saveMany([{ ...entry, worker: changed }]);

    const read = await repository.findById(stored.id);
    expect(read).toEqual(result.saved[0]?.worker);
    expect(read).toMatchObject({
      statusReason: hostile,
      publicIp: null,
      endpoint: "NULL",
      tags: { [hostile]: hostile, empty: "", nul: "NULL" },
    });
  });

  it("names a worker that is not stored as a conflict", async () => {
    const [stored] = await storedWorkers(1);
    const missing = aWorker({ id: randomUUID() });
    if (stored === undefined) {
      throw new Error("a worker was stored");
    }

    const result = await repository.saveMany([sweptEntry(missing), sweptEntry(stored)]);

    expect(result.conflicts).toEqual([missing.id]);
    expect(result.saved.map((saved) => saved.worker.id)).toEqual([stored.id]);
  });

  it("keeps updatedAt strictly increasing when the change carries an older one", async () => {
    const [stored] = await storedWorkers(1);
    if (stored === undefined) {
      throw new Error("a worker was stored");
    }

    const result = await repository.saveMany([
      { worker: { ...stored, updatedAt: new Date(stored.updatedAt.getTime() - 5_000) }, events: [] },
    ]);

    expect(result.saved[0]?.worker.updatedAt).toEqual(new Date(stored.updatedAt.getTime() + 1));
  });

  it("refuses a batch that names one worker twice, and writes nothing of it", async () => {
    const [stored] = await storedWorkers(1);
    if (stored === undefined) {
      throw new Error("a worker was stored");
    }

    await expect(repository.saveMany([sweptEntry(stored), sweptEntry(stored)])).rejects.toThrow(
      /more than once/,
    );
    expect(await repository.findById(stored.id)).toEqual(stored);
  });
});

describe("listing what a sweep looks at", () => {
  it("lists one account and region's workers with an instance, outside the statuses left out", async () => {
    const east = await storedWorkers(2, {
      region: "us-east-1",
      instanceId: null,
      telemetry: telemetry({ sampledAt: new Date("2026-01-01T12:00:00.000Z"), cpuPercent: 7 }),
    });
    await Promise.all([
      // Neither failed nor without an instance: the only ones listed.
      ...east.map((worker, n) =>
        testDb.db
          .update(workers)
          .set({ instanceId: `i-east-${n}` })
          .where(eq(workers.id, worker.id)),
      ),
      storedWorkers(1, { region: "us-east-1", instanceId: "i-failed", status: "FAILED" }),
      storedWorkers(1, { region: "us-east-1", instanceId: "i-gone", status: "TERMINATED" }),
      storedWorkers(1, { region: "us-east-1", instanceId: null }),
      storedWorkers(1, { region: "us-west-2", instanceId: "i-west" }),
      storedWorkers(1, { region: "us-east-1", instanceId: "i-other", accountId: "other" }),
    ]);
    const account = east[0]?.accountId ?? "";

    const listed = await repository.listWithInstanceIn({ accountId: account, region: "us-east-1" }, [
      "FAILED",
      "TERMINATED",
    ]);
    const targets = await repository.targetsWithInstances(["FAILED", "TERMINATED"]);

    // Only what the region step reads of each: its instance and its last telemetry.
    expect(listed).toEqual(
      east.map((worker, n) => ({ id: worker.id, instanceId: `i-east-${n}`, telemetry: worker.telemetry })),
    );
    expect(targets).toEqual([
      { accountId: account, region: "us-east-1" },
      { accountId: account, region: "us-west-2" },
      { accountId: "other", region: "us-east-1" },
    ]);
  });
});

describe("saving many workers at once on the embedded PGlite", () => {
  it("writes the workers, labs and events and names the conflict as on Postgres", {
    timeout: 120_000,
  }, async () => {
    const database = await openDatabase({});
    try {
      await migrateDatabase(database);
      const embedded = createWorkerRepository(database.db);
      const made = [aWorker({ id: randomUUID() }, 0), aWorker({ id: randomUUID() }, 1)];
      await database.db.insert(workers).values(made.map(toNewWorkerRow));
      const [first, second] = await embedded.findByIds(made.map((worker) => worker.id));
      if (first === undefined || second === undefined) {
        throw new Error("two workers were stored");
      }
      const labs = [{ id: "lab", title: "Lab", state: "STARTED", nodeCount: 2 }];

      const result = await embedded.saveMany([
        sweptEntry(first, labs),
        sweptEntry({ ...second, version: 9 }),
      ]);

      expect(result.conflicts).toEqual([second.id]);
      expect(await embedded.findById(first.id)).toEqual(result.saved[0]?.worker);
      expect(result.saved[0]?.worker).toMatchObject({
        version: first.version + 1,
        cmlVersion: "2.9.1",
        labs,
      });
      expect(result.saved[0]?.events).toHaveLength(1);
    } finally {
      await database.close();
    }
  });
});
