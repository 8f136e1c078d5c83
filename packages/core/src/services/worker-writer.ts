import type { FleetEvent, NewFleetEvent } from "../domain/fleet-event";
import type { Worker } from "../domain/worker";
import { type WorkerChange as DomainChange, laterThan } from "../domain/worker-changes-common";
import { ConcurrentModificationError, NotFoundError } from "../errors";
import type { Clock } from "../ports/clock.port";
import type { EventPublisher } from "../ports/event-publisher.port";
import type { Logger } from "../ports/logger.port";
import type { AuditEntry, WorkerRepository, WorkerWriteOptions } from "../ports/worker-repository.port";

/**
 * What writing a worker takes, and so what every service that changes workers
 * has; a service that also reads or lists workers widens `workers` in its own deps.
 */
export interface WorkerWriterDeps {
  readonly workers: Pick<WorkerRepository, "findById" | "save">;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  /** Where a failed publish is reported (the saved state stays the truth). */
  readonly logger: Logger;
}

/**
 * A change computed from the freshest stored worker; null means "nothing to
 * change": no write, no audit entry, no publish. A change may also refuse by
 * throwing (a typed error), which ends the write.
 */
export type WorkerChange = (
  worker: Worker,
  now: Date,
) => {
  readonly worker: Worker;
  readonly events: readonly NewFleetEvent[];
  /** Overrides `WriteOptions.notify` for this change (e.g. only when something visible moved). */
  readonly notify?: boolean;
} | null;

export interface WriteOptions {
  /** Publish `workerChanged` for this change (false for quiet bookkeeping such as a fresh sampledAt). */
  readonly notify?: boolean;
  /**
   * The audit entry of the request behind the change (an API mutation), saved
   * in the change's transaction. Built per attempt, from that attempt's time.
   */
  readonly audit?: (now: Date) => AuditEntry;
  /** The operation the change asks for, queued inside its transaction (see WorkerWriteOptions.queueOperation). */
  readonly queueOperation?: WorkerWriteOptions["queueOperation"];
}

/**
 * Retries after a concurrent save, for the API's mutations and the jobs alike:
 * enough to outlast a sweep touching the same worker, few enough that a
 * pathological contention fails visibly instead of spinning.
 */
export const MAX_CONFLICT_RETRIES = 5;

/**
 * The one write path for a worker. Reads the worker, applies `change`, saves
 * it with its events (and audit entry) and publishes the result. A concurrent
 * writer (an API mutation, a sweep) makes the save fail optimistically; the
 * change is then recomputed on the newer worker, which is why it is a
 * function and not a value. Answers with the saved worker, or with the
 * stored one when there was nothing to change.
 */
export async function updateWorker(
  deps: WorkerWriterDeps,
  workerId: string,
  change: WorkerChange,
  options: WriteOptions = {},
): Promise<Worker> {
  for (let attempt = 0; ; attempt++) {
    const current = await deps.workers.findById(workerId);
    if (current === null) {
      throw new NotFoundError("worker", workerId);
    }
    const now = deps.clock.now();
    const next = change(current, now);
    if (next === null) {
      return current;
    }
    try {
      const saved = await deps.workers.save(
        { ...next.worker, updatedAt: laterThan(current.updatedAt, now) },
        next.events,
        {
          ...(options.audit === undefined ? {} : { audit: [options.audit(now)] }),
          ...(options.queueOperation === undefined ? {} : { queueOperation: options.queueOperation }),
        },
      );
      await publishSaved(deps, saved.worker, saved.events, next.notify ?? options.notify ?? true);
      return saved.worker;
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError) || attempt >= MAX_CONFLICT_RETRIES) {
        throw error;
      }
    }
  }
}

/**
 * A domain change (`worker-changes`) as `updateWorker` takes it: the domain
 * says "nothing changed" by answering the same worker with no events.
 */
export function unlessUnchanged(before: Worker, next: DomainChange): DomainChange | null {
  return next.worker === before && next.events.length === 0 ? null : next;
}

/**
 * Publishing is a notification after the fact: the saved state is the truth,
 * so a Redis hiccup is logged instead of failing (and re-running) the job or
 * the mutation that saved it.
 */
export async function publishSaved(
  deps: Pick<WorkerWriterDeps, "publisher" | "logger">,
  worker: Worker,
  events: readonly FleetEvent[],
  notify = true,
): Promise<void> {
  try {
    if (notify || events.length > 0) {
      await deps.publisher.workerChanged(worker);
    }
    for (const event of events) {
      await deps.publisher.fleetEvent(event);
    }
  } catch (error) {
    deps.logger.warn({ err: error, workerId: worker.id }, "could not publish a worker change");
  }
}
