import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anEvent, aSample, aWorker } from "../../../api/test/support/worker-factory";
import { fleetEvents } from "../../src/db/schema/events";
import { workerLabs } from "../../src/db/schema/labs";
import { telemetrySamples } from "../../src/db/schema/telemetry";
import { workers } from "../../src/db/schema/workers";
import {
  createWorkerRepository,
  type DrizzleWorkerRepository,
} from "../../src/repositories/worker.repository";
import { useTestDatabase } from "../support/use-test-database";

const testDb = useTestDatabase("read_model");
let repository: DrizzleWorkerRepository;

beforeAll(() => {
  repository = createWorkerRepository(testDb.db);
});
beforeEach(async () => {
  for (const table of [telemetrySamples, fleetEvents, workerLabs, workers]) {
    await testDb.db.delete(table);
  }
});

function statusChange(workerId: string, to: string, at: string) {
  return anEvent({
    workerId,
    type: "worker.status_changed",
    at: new Date(at),
    data: { from: "PENDING", to },
  });
}

describe("worker read model", () => {
  it("returns each worker's latest samples, oldest first, for many workers in one statement", async () => {
    const [a, b, quiet] = [aWorker({}, 1), aWorker({}, 2), aWorker({}, 3)];
    for (const worker of [a, b, quiet]) {
      await repository.insert(worker, []);
    }
    await repository.saveTelemetry([0, 1, 2, 3, 4].map((minute) => aSample(a.id, minute)));
    await repository.saveTelemetry([aSample(b.id, 7)]);

    const statements = await testDb.recordStatements(async () => {
      const recent = await repository.recentTelemetryMany([a.id, b.id, quiet.id, "unknown"], 3);
      expect(recent.get(a.id)?.map((s) => s.cpuPercent)).toEqual([2, 3, 4]);
      expect(recent.get(b.id)).toEqual([aSample(b.id, 7)]);
      expect(recent.get(quiet.id)).toEqual([]);
      expect(recent.get("unknown")).toEqual([]);
    });
    expect(statements).toHaveLength(1);
    expect(await repository.recentTelemetry(a.id, 2)).toEqual([aSample(a.id, 3), aSample(a.id, 4)]);
  });

  it("prunes samples older than the retention instant and says how many", async () => {
    const worker = aWorker();
    await repository.insert(worker, []);
    await repository.saveTelemetry([0, 1, 2, 3].map((minute) => aSample(worker.id, minute)));

    const cutoff = aSample(worker.id, 2).sampledAt;
    expect(await repository.pruneTelemetry(cutoff)).toBe(2);
    expect((await repository.recentTelemetry(worker.id, 10)).map((s) => s.cpuPercent)).toEqual([2, 3]);
    expect(await repository.pruneTelemetry(cutoff)).toBe(0);
  });

  it("builds status histories from the events that change a status, oldest first", async () => {
    const [a, b, c] = [aWorker({}, 1), aWorker({}, 2), aWorker({}, 3)];
    await repository.insert(a, [
      anEvent({ workerId: a.id, type: "worker.created", at: new Date("2026-01-01T09:00:00Z") }),
    ]);
    await repository.insert(b, []);
    await repository.insert(c, [
      anEvent({
        workerId: c.id,
        type: "worker.imported",
        at: new Date("2026-01-01T08:00:00Z"),
        data: { status: "STOPPED" },
      }),
    ]);
    await repository.appendEvents([
      statusChange(a.id, "RUNNING", "2026-01-01T10:00:00Z"),
      anEvent({ workerId: a.id, type: "worker.tags_changed", at: new Date("2026-01-01T11:00:00Z") }),
      statusChange(a.id, "STOPPED", "2026-01-01T12:00:00Z"),
      anEvent({
        workerId: a.id,
        type: "worker.failed",
        at: new Date("2026-01-01T13:00:00Z"),
        data: { from: "STOPPED" },
      }),
      anEvent({
        workerId: a.id,
        type: "worker.terminated",
        at: new Date("2026-01-01T14:00:00Z"),
        data: { from: "FAILED", to: "TERMINATED" },
      }),
    ]);

    const history = await repository.statusHistoryMany([a.id, b.id, c.id]);
    expect(history.get(a.id)).toEqual([
      { status: "PENDING", at: new Date("2026-01-01T09:00:00Z") },
      { status: "RUNNING", at: new Date("2026-01-01T10:00:00Z") },
      { status: "STOPPED", at: new Date("2026-01-01T12:00:00Z") },
      { status: "FAILED", at: new Date("2026-01-01T13:00:00Z") },
      { status: "TERMINATED", at: new Date("2026-01-01T14:00:00Z") },
    ]);
    expect(history.get(b.id)).toEqual([]);
    expect(history.get(c.id)).toEqual([{ status: "STOPPED", at: new Date("2026-01-01T08:00:00Z") }]);
  });

  it("returns each worker's latest events, newest first", async () => {
    const [a, b] = [aWorker({}, 1), aWorker({}, 2)];
    await repository.insert(a, []);
    await repository.insert(b, []);
    await repository.appendEvents(
      [1, 2, 3].map((n) =>
        anEvent({ workerId: a.id, message: `a${n}`, at: new Date(Date.UTC(2026, 0, 1, n)) }),
      ),
    );
    await repository.appendEvents([anEvent({ workerId: b.id, message: "b1" })]);

    const events = await repository.eventsMany([a.id, b.id], 2);
    expect(events.get(a.id)?.map((e) => e.message)).toEqual(["a3", "a2"]);
    expect(events.get(b.id)?.map((e) => e.message)).toEqual(["b1"]);
  });

  it("counts the fleet by status, idleness and instance type in one statement", async () => {
    const idle = { ...aWorker().idle, idleSince: new Date("2026-01-01T10:00:00Z") };
    const warned = { ...idle, warnedAt: new Date("2026-01-01T10:20:00Z") };
    await repository.insert(aWorker({ status: "RUNNING", idle: warned }, 1), []);
    await repository.insert(aWorker({ status: "RUNNING", idle }, 2), []);
    await repository.insert(aWorker({ status: "STOPPED", region: "us-west-2" }, 3), []);
    // A terminated worker counts in total and by status, never as idle.
    await repository.insert(aWorker({ status: "TERMINATED", desiredStatus: "TERMINATED", idle }, 4), []);

    const statements = await testDb.recordStatements(async () => {
      const counts = await repository.fleetCounts();
      expect(counts.total).toBe(4);
      expect(counts.byStatus).toMatchObject({ RUNNING: 2, STOPPED: 1, TERMINATED: 1, PENDING: 0 });
      expect(counts.idle).toBe(2);
      expect(counts.warned).toBe(1);
      expect(counts.groups).toContainEqual({
        status: "RUNNING",
        region: "us-east-1",
        instanceType: "c5.2xlarge",
        count: 2,
      });
    });
    expect(statements).toHaveLength(1);
  });

  it("reads cost inputs: status histories, and the auto-stops among each worker's latest events", async () => {
    const [a, b, quiet] = [aWorker({}, 1), aWorker({}, 2), aWorker({}, 3)];
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 9, minute));
    await repository.insert(a, [
      anEvent({ workerId: a.id, type: "worker.created", at: at(0) }),
      statusChange(a.id, "RUNNING", at(1).toISOString()),
      anEvent({ workerId: a.id, type: "worker.auto_stopped", at: at(2) }),
      statusChange(a.id, "STOPPING", at(2).toISOString()),
      statusChange(a.id, "STOPPED", at(3).toISOString()),
      anEvent({ workerId: a.id, type: "worker.auto_stopped", at: at(10) }),
      anEvent({ workerId: a.id, type: "worker.tags_changed", at: at(11) }),
    ]);
    await repository.insert(b, [anEvent({ workerId: b.id, type: "worker.auto_stopped", at: at(5) })]);
    await repository.insert(quiet, []);

    const statements = await testDb.recordStatements(async () => {
      const inputs = await repository.costInputsMany([a.id, b.id, quiet.id, "unknown"], 10);
      expect(inputs.get(a.id)).toEqual({
        history: [
          { status: "PENDING", at: at(0) },
          { status: "RUNNING", at: at(1) },
          { status: "STOPPING", at: at(2) },
          { status: "STOPPED", at: at(3) },
        ],
        autoStops: [at(2), at(10)],
      });
      expect(inputs.get(b.id)).toEqual({ history: [], autoStops: [at(5)] });
      expect(inputs.get(quiet.id)).toEqual({ history: [], autoStops: [] });
      expect(inputs.get("unknown")).toEqual({ history: [], autoStops: [] });
    });
    expect(statements).toHaveLength(1);

    // The window is the latest events, as eventsMany reads them: a's first auto-stop has 5 newer events.
    const windowed = async (size: number) => (await repository.costInputsMany([a.id], size)).get(a.id);
    for (const size of [2, 3, 5, 6, 7, 0]) {
      const latest = (await repository.eventsMany([a.id], size)).get(a.id) ?? [];
      const expected = latest
        .filter((event) => event.type === "worker.auto_stopped")
        .map((event) => event.at)
        .reverse();
      expect((await windowed(size))?.autoStops, `window ${size}`).toEqual(expected);
      expect((await windowed(size))?.history).toHaveLength(4);
    }

    // A page that asks for cost reads the same inputs in its own statement, whole fleet or filtered.
    for (const size of [10, 2, 5, 6, 0]) {
      const batch = await repository.costInputsMany([a.id, b.id, quiet.id], size);
      for (const filter of [{}, { region: a.region }]) {
        let page: Awaited<ReturnType<typeof repository.listWithCostInputs>> | undefined;
        const pageStatements = await testDb.recordStatements(async () => {
          page = await repository.listWithCostInputs(filter, 50, null, size);
        });
        expect(pageStatements).toHaveLength(1);
        expect(page?.workers).toEqual(await repository.findByIds([a.id, b.id, quiet.id]));
        expect(page?.costInputs).toEqual(batch);
      }
      for (const worker of [a, b, quiet]) {
        const found = await repository.findByIdWithCostInputs(worker.id, size);
        expect(found?.worker).toEqual(await repository.findById(worker.id));
        expect(found?.costInputs).toEqual(batch.get(worker.id));
      }
    }
    expect(await repository.findByIdWithCostInputs("unknown", 10)).toBeNull();
  });

  it("names the workers not terminated that the idle policy ever stopped, each once", async () => {
    const autoStop = (workerId: string, at: string) =>
      anEvent({ workerId, type: "worker.auto_stopped", at: new Date(at) });
    const [twice, once, never, gone] = [
      aWorker({ status: "STOPPED" }, 1),
      aWorker({ status: "RUNNING" }, 2),
      aWorker({ status: "STOPPED" }, 3),
      aWorker({ status: "TERMINATED", desiredStatus: "TERMINATED" }, 4),
    ];
    await repository.insert(twice, [
      autoStop(twice.id, "2026-01-01T10:00:00Z"),
      autoStop(twice.id, "2026-01-02T10:00:00Z"),
    ]);
    await repository.insert(once, [autoStop(once.id, "2026-01-01T10:00:00Z")]);
    await repository.insert(never, [statusChange(never.id, "STOPPED", "2026-01-01T10:00:00Z")]);
    await repository.insert(gone, [autoStop(gone.id, "2026-01-01T10:00:00Z")]);

    expect((await repository.autoStoppedWorkerIds()).sort()).toEqual([twice.id, once.id].sort());
  });
});

describe("reading a page of workers with everything nested", () => {
  async function seed(count: number): Promise<void> {
    for (let n = 0; n < count; n += 1) {
      const worker = aWorker({ labs: [{ id: `lab-${n}`, title: "Lab", state: "STARTED" }] }, n);
      await repository.insert(worker, [statusChange(worker.id, "RUNNING", "2026-01-01T10:00:00Z")]);
      await repository.saveTelemetry([aSample(worker.id, 1), aSample(worker.id, 2)]);
    }
  }

  async function statementsForPage(first: number): Promise<number> {
    const statements = await testDb.recordStatements(async () => {
      const page = await repository.list({}, first, null);
      expect(page.workers).toHaveLength(first);
      expect(page.workers.every((w) => w.labs.length === 1)).toBe(true);
      const ids = page.workers.map((w) => w.id);
      const [history, telemetry, events] = await Promise.all([
        repository.statusHistoryMany(ids),
        repository.recentTelemetryMany(ids, 30),
        repository.eventsMany(ids, 5),
        repository.fleetCounts(),
      ]);
      expect([...history.values()].every((entries) => entries.length === 1)).toBe(true);
      expect([...telemetry.values()].every((samples) => samples.length === 2)).toBe(true);
      expect(events.size).toBe(first);
    });
    return statements.length;
  }

  it("sends as many statements for 100 workers as for 10", { timeout: 120_000 }, async () => {
    await seed(100);
    const forTen = await statementsForPage(10);
    const forHundred = await statementsForPage(100);
    expect(forHundred).toBe(forTen);
    // list (the page with its count) and one per batch read.
    expect(forTen).toBe(5);
  });
});
