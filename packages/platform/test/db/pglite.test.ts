import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anEvent, aSample, aWorker } from "../../../api/test/support/worker-factory";
import { openDatabase } from "../../src/db/database";
import { migrateDatabase } from "../../src/db/migrate";
import { createWorkerRepository } from "../../src/repositories/worker.repository";

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "cml-fleet-pglite-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe("embedded PGlite", () => {
  it("migrates a new data directory, stores a worker and reads it back after a restart", {
    timeout: 120_000,
  }, async () => {
    const worker = aWorker({ labs: [{ id: "lab", title: "Lab", state: "STARTED" }], tags: { team: "a" } });
    const labs = [
      { id: "lab", title: "Lab", state: "STOPPED" },
      { id: "second", title: "Second", state: "STARTED", nodeCount: 3 },
    ];

    const first = await openDatabase({ dataDir: join(dataDir, "nested") });
    try {
      expect(first.connection.kind).toBe("pglite");
      await migrateDatabase(first);
      const repository = createWorkerRepository(first.db);
      await repository.insert(worker, [anEvent({ workerId: worker.id })]);
      const saved = await repository.save({ ...worker, status: "RUNNING" }, []);
      // The batch save's column arrays (the labs' INSERT … SELECT FROM unnest) and the samples' work on PGlite too.
      const batch = await repository.saveMany([{ worker: saved.worker, events: [], labs }]);
      await repository.saveTelemetry([aSample(worker.id, 1)]);
      expect(batch.conflicts).toEqual([]);
      expect(batch.saved[0]?.worker.version).toBe(worker.version + 2);
    } finally {
      await first.close();
    }

    const second = await openDatabase({ dataDir: join(dataDir, "nested") });
    try {
      await migrateDatabase(second);
      await second.ping();
      const repository = createWorkerRepository(second.db);
      const page = await repository.list({ tag: { key: "team", value: "a" } }, 10, null);
      expect(page.totalCount).toBe(1);
      expect(page.workers[0]).toMatchObject({ id: worker.id, status: "RUNNING", labs });
      expect((await repository.recentTelemetryMany([worker.id], 5)).get(worker.id)).toEqual([
        aSample(worker.id, 1),
      ]);
      expect((await repository.fleetCounts()).byStatus.RUNNING).toBe(1);
      // The prepared statements (an array parameter among them) work on PGlite too.
      expect(await repository.findById(worker.id)).toMatchObject({ id: worker.id, status: "RUNNING" });
      expect((await repository.costInputsMany([worker.id], 500)).get(worker.id)).toEqual({
        history: [{ status: "PENDING", at: anEvent().at }],
        autoStops: [],
      });
    } finally {
      await second.close();
    }
  });

  it("keeps tables in a named schema too", { timeout: 120_000 }, async () => {
    const database = await openDatabase({ schema: "isolated" });
    try {
      await migrateDatabase(database);
      const worker = aWorker();
      await createWorkerRepository(database.db).insert(worker, []);
      expect(await createWorkerRepository(database.db).findById(worker.id)).toEqual(worker);
    } finally {
      await database.close();
    }
  });
});
