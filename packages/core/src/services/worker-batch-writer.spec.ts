import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fake-clock";
import { RecordingPublisher } from "../../test/support/recording-publisher";
import { silentLogger } from "../../test/support/silent-logger";
import { aWorker } from "../../test/support/worker-factory";
import { systemActor } from "../domain/actor";
import type { Worker } from "../domain/worker";
import { workerEvent } from "../domain/worker-changes-common";
import { ConcurrentModificationError, NotFoundError } from "../errors";
import { MemoryWorkerRepository } from "../memory/memory-worker-repository";
import type { SavedWorkerBatch, WorkerBatchEntry } from "../ports/worker-repository.port";
import { updateWorkers, type WorkerBatchChange } from "./worker-batch-writer";
import { MAX_CONFLICT_RETRIES } from "./worker-writer";

/**
 * A repository where another writer changes the workers named in `contended`
 * just before each batch save, `rounds` times; it keeps every batch it was given.
 */
class ContendedRepository extends MemoryWorkerRepository {
  readonly batches: string[][] = [];
  constructor(
    private readonly contended: readonly string[],
    private rounds: number,
  ) {
    super();
  }
  override async saveMany(entries: readonly WorkerBatchEntry[]): Promise<SavedWorkerBatch> {
    this.batches.push(entries.map((entry) => entry.worker.id));
    if (this.rounds > 0) {
      this.rounds--;
      for (const id of this.contended) {
        const stored = this.workers.get(id);
        if (stored !== undefined) {
          this.workers.set(id, {
            ...stored,
            tags: { ...stored.tags, team: "blue" },
            version: stored.version + 1,
          });
        }
      }
    }
    return super.saveMany(entries);
  }
}

async function setUp(count: number, contended: (ids: string[]) => string[] = () => [], rounds = 1) {
  const made = Array.from({ length: count }, (_, n) => aWorker({ id: `w${n}`, name: `w${n}`, tags: {} }));
  const workers = new ContendedRepository(contended(made.map((worker) => worker.id)), rounds);
  const stored: Worker[] = [];
  for (const worker of made) {
    stored.push((await workers.insert(worker, [])).worker);
  }
  const publisher = new RecordingPublisher();
  return {
    deps: { workers, publisher, clock: new FakeClock(), logger: silentLogger },
    stored,
    workers,
    publisher,
  };
}

/** Marks a worker seen, with an event for the first one only, and publishes only that one. */
const markSeen: WorkerBatchChange = (worker, now) => ({
  worker: { ...worker, cmlVersion: "2.9.1" },
  events:
    worker.id === "w0"
      ? [
          workerEvent(worker, "worker.service_status_changed", "seen", {
            actor: systemActor("telemetry"),
            reason: null,
            now,
          }),
        ]
      : [],
  notify: worker.id === "w0",
});

describe("writing many workers at once", () => {
  it("writes every worker in one batch, and publishes only those the change asks for", async () => {
    const { deps, stored, workers, publisher } = await setUp(5);

    const outcomes = await updateWorkers(deps, stored, markSeen);

    expect(workers.batches).toEqual([["w0", "w1", "w2", "w3", "w4"]]);
    for (const worker of stored) {
      expect(outcomes.get(worker.id)).toEqual({ ok: true, worker: await workers.findById(worker.id) });
      expect(await workers.findById(worker.id)).toMatchObject({
        cmlVersion: "2.9.1",
        version: worker.version + 1,
      });
    }
    expect(publisher.workers.map((worker) => worker.id)).toEqual(["w0"]);
    expect(publisher.events.map((event) => event.workerId)).toEqual(["w0"]);
  });

  it("recomputes only the workers changed meanwhile, on their newer state, and keeps that change", async () => {
    const { deps, stored, workers } = await setUp(5, (ids) => ids.slice(1, 2));

    const outcomes = await updateWorkers(deps, stored, markSeen);

    expect(workers.batches).toEqual([["w0", "w1", "w2", "w3", "w4"], ["w1"]]);
    expect(await workers.findById("w1")).toMatchObject({
      cmlVersion: "2.9.1",
      tags: { team: "blue" },
      version: 3,
    });
    expect(outcomes.get("w1")).toMatchObject({ ok: true, worker: { tags: { team: "blue" } } });
  });

  it("answers the stored worker, and writes nothing, for a worker the change leaves alone", async () => {
    const { deps, stored, workers, publisher } = await setUp(2);

    const outcomes = await updateWorkers(deps, stored, (worker, now) =>
      worker.id === "w1" ? null : markSeen(worker, now),
    );

    expect(workers.batches).toEqual([["w0"]]);
    expect(outcomes.get("w1")).toEqual({ ok: true, worker: stored[1] });
    expect(publisher.workers.map((worker) => worker.id)).toEqual(["w0"]);
  });

  it("gives up on a worker that keeps changing, after the retries updateWorker allows, and on one that is gone", async () => {
    const { deps, stored, workers } = await setUp(3, (ids) => ids.slice(0, 1), Number.POSITIVE_INFINITY);
    workers.workers.delete("w2");

    const outcomes = await updateWorkers(deps, stored, markSeen);

    expect(workers.batches).toHaveLength(MAX_CONFLICT_RETRIES + 1);
    expect(outcomes.get("w0")).toEqual({ ok: false, error: expect.any(ConcurrentModificationError) });
    expect(outcomes.get("w1")).toMatchObject({ ok: true });
    expect(outcomes.get("w2")).toEqual({ ok: false, error: expect.any(NotFoundError) });
  });

  it("fails the workers of a batch the store refused, and publishes nothing for them", async () => {
    const { deps, stored, publisher } = await setUp(2);
    const refusing = {
      ...deps,
      workers: {
        findByIds: deps.workers.findByIds.bind(deps.workers),
        saveMany: async () => {
          throw new Error("database down");
        },
      },
    };

    const outcomes = await updateWorkers(refusing, stored, markSeen);

    expect([...outcomes.values()]).toEqual([
      { ok: false, error: new Error("database down") },
      { ok: false, error: new Error("database down") },
    ]);
    expect(publisher.workers).toEqual([]);
  });
});
