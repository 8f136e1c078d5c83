import { describe, expect, it } from "vitest";
import { at, aWorker, telemetry } from "../../test/support/worker-factory";
import { ConcurrentModificationError } from "../errors";
import type { AuditEntry, TelemetrySample } from "../ports/worker-repository.port";
import { MemoryWorkerRepository } from "./memory-worker-repository";

function sample(workerId: string, minute: number): TelemetrySample {
  return { ...telemetry({ sampledAt: at(minute), cpuPercent: minute }), workerId };
}

const minutes = (samples: readonly TelemetrySample[]) => samples.map((entry) => entry.cpuPercent);

const audit: AuditEntry = {
  at: at(0),
  actor: "alice",
  role: "ADMIN",
  operation: "setWorkerTags",
  arguments: {},
  outcome: "ok",
  errorMessage: null,
  requestId: null,
};

describe("the worker repository in memory", () => {
  it("answers a worker's latest samples oldest first, whatever order they were saved in", async () => {
    const repository = new MemoryWorkerRepository();
    await repository.saveTelemetry([sample("a", 3), sample("b", 1), sample("a", 1), sample("a", 2)]);
    await repository.saveTelemetry([sample("a", 4)]);

    expect(minutes(await repository.recentTelemetry("a", 3))).toEqual([2, 3, 4]);
    expect(minutes(await repository.recentTelemetry("b", 3))).toEqual([1]);
    expect(await repository.recentTelemetry("c", 3)).toEqual([]);
  });

  it("keeps samplesPerWorker samples of each worker: another worker's never push them out", async () => {
    const repository = new MemoryWorkerRepository({ samplesPerWorker: 4 });
    for (let minute = 0; minute < 50; minute++) {
      await repository.saveTelemetry([sample("busy", minute)]);
    }
    await repository.saveTelemetry([sample("quiet", 0)]);
    for (let minute = 50; minute < 100; minute++) {
      await repository.saveTelemetry([sample("busy", minute)]);
    }

    expect(minutes(await repository.recentTelemetry("busy", 4))).toEqual([96, 97, 98, 99]);
    expect(minutes(await repository.recentTelemetry("quiet", 4))).toEqual([0]);
    expect(repository.telemetry.length).toBeLessThan(2 * 4 + 1 + 1);
    await expect(repository.recentTelemetry("busy", 5)).rejects.toThrow(/latest 4 samples, not 5/);
  });

  it("prunes the samples taken before the cut, of every worker, and counts them", async () => {
    const repository = new MemoryWorkerRepository();
    await repository.saveTelemetry([
      sample("a", 5),
      sample("a", 1),
      sample("b", 2),
      sample("a", 3),
      sample("b", 9),
    ]);

    expect(await repository.pruneTelemetry(at(3))).toBe(2);
    expect(minutes(repository.telemetry)).toEqual([3, 5, 9]);
    expect(await repository.pruneTelemetry(at(3))).toBe(0);
  });

  it("refuses a save of a stale version and keeps the audit entries of the writes it took", async () => {
    const repository = new MemoryWorkerRepository();
    const inserted = (await repository.insert(aWorker(), [], { audit: [audit] })).worker;
    const saved = (await repository.save({ ...inserted, name: "renamed" }, [], { audit: [audit] })).worker;

    await expect(repository.save({ ...inserted, name: "stale" }, [], { audit: [audit] })).rejects.toThrow(
      ConcurrentModificationError,
    );
    expect(saved.version).toBe(inserted.version + 1);
    expect((await repository.findById(inserted.id))?.name).toBe("renamed");
    expect(repository.audit).toHaveLength(2);
  });

  it("keeps nothing of a change whose operation could not be queued, and the outbox row of one that was", async () => {
    const repository = new MemoryWorkerRepository();
    const inserted = (await repository.insert(aWorker(), [])).worker;
    const refused = repository.save({ ...inserted, desiredStatus: "STOPPED" }, [], {
      audit: [audit],
      queueOperation: async () => {
        throw new Error("the queue is down");
      },
    });
    await expect(refused).rejects.toThrow("the queue is down");
    expect(await repository.findById(inserted.id)).toEqual(inserted);
    expect(repository.audit).toEqual([]);
    expect(repository.operations).toEqual([]);

    const saved = await repository.save({ ...inserted, desiredStatus: "STOPPED" }, [], {
      queueOperation: async (worker) => ({
        id: "op-1",
        workerId: worker.id,
        kind: "stop",
        jobId: `stop.${worker.id}`,
        payload: { workerId: worker.id, version: worker.version },
        requestedAt: at(1),
      }),
    });
    expect(saved.worker.desiredStatus).toBe("STOPPED");
    // The operation sees the worker as saved (its new version).
    expect(repository.operations).toEqual([
      expect.objectContaining({
        id: "op-1",
        state: "PENDING",
        redrives: 0,
        payload: expect.objectContaining({ version: inserted.version + 1 }),
      }),
    ]);
  });
});
