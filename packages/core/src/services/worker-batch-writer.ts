import type { NewFleetEvent } from "../domain/fleet-event";
import type { CmlLab, Worker } from "../domain/worker";
import { laterThan } from "../domain/worker-changes-common";
import { ConcurrentModificationError, NotFoundError } from "../errors";
import type { SavedWorkerBatch, WorkerBatchEntry, WorkerRepository } from "../ports/worker-repository.port";
import { MAX_CONFLICT_RETRIES, publishSaved, type WorkerWriterDeps } from "./worker-writer";

export interface WorkerBatchWriterDeps extends Omit<WorkerWriterDeps, "workers"> {
  readonly workers: Pick<WorkerRepository, "findByIds" | "saveMany">;
}

/**
 * `updateWorker`'s change for one worker of a batch, with the labs to store
 * beside it (written only if the worker is, see WorkerBatchEntry). Null:
 * nothing to change for this worker.
 */
export type WorkerBatchChange = (
  worker: Worker,
  now: Date,
) => {
  readonly worker: Worker;
  readonly events: readonly NewFleetEvent[];
  /** Publish `workerChanged` (default true; events are published whatever this says, as updateWorker does). */
  readonly notify?: boolean;
  readonly labs?: readonly CmlLab[] | undefined;
} | null;

/** What became of one worker of a batch: the worker saved, or stored as it was (nothing to change), or why not. */
export type WorkerBatchOutcome =
  | { readonly ok: true; readonly worker: Worker }
  | { readonly ok: false; readonly error: unknown };

/**
 * The one write path (`updateWorker`) for many workers at once: the same
 * change function, optimistic version check, events, publish policy and
 * conflict retries, but a round trip per round instead of per worker. The
 * first round applies `change` to the workers given (as the caller read
 * them); each worker written concurrently since is read again and its change
 * recomputed in the next round, the others are not touched again. Answers an
 * outcome per id given; a failed round (the database) fails its workers only.
 */
export async function updateWorkers(
  deps: WorkerBatchWriterDeps,
  workers: readonly Worker[],
  change: WorkerBatchChange,
): Promise<Map<string, WorkerBatchOutcome>> {
  const outcomes = new Map<string, WorkerBatchOutcome>();
  let current: readonly Worker[] = workers;
  for (let attempt = 0; current.length > 0; attempt++) {
    const now = deps.clock.now();
    const entries: WorkerBatchEntry[] = [];
    const notify = new Map<string, boolean>();
    for (const worker of current) {
      const next = change(worker, now);
      if (next === null) {
        outcomes.set(worker.id, { ok: true, worker });
      } else {
        entries.push({
          worker: { ...next.worker, updatedAt: laterThan(worker.updatedAt, now) },
          events: next.events,
          labs: next.labs,
        });
        notify.set(worker.id, next.notify ?? true);
      }
    }
    if (entries.length === 0) {
      break;
    }
    let written: SavedWorkerBatch;
    try {
      written = await deps.workers.saveMany(entries);
    } catch (error) {
      for (const entry of entries) {
        outcomes.set(entry.worker.id, { ok: false, error });
      }
      break;
    }
    // One Redis connection pipelines these; each worker's own messages keep their order (publishSaved).
    await Promise.all(
      written.saved.map((saved) => {
        outcomes.set(saved.worker.id, { ok: true, worker: saved.worker });
        return publishSaved(deps, saved.worker, saved.events, notify.get(saved.worker.id) ?? true);
      }),
    );
    if (written.conflicts.length === 0) {
      break;
    }
    if (attempt >= MAX_CONFLICT_RETRIES) {
      for (const id of written.conflicts) {
        outcomes.set(id, { ok: false, error: new ConcurrentModificationError("worker", id) });
      }
      break;
    }
    let reread: Worker[];
    try {
      reread = await deps.workers.findByIds(written.conflicts);
    } catch (error) {
      for (const id of written.conflicts) {
        outcomes.set(id, { ok: false, error });
      }
      break;
    }
    const found = new Set(reread.map((worker) => worker.id));
    for (const id of written.conflicts) {
      if (!found.has(id)) {
        outcomes.set(id, { ok: false, error: new NotFoundError("worker", id) });
      }
    }
    current = reread;
  }
  return outcomes;
}
