import type { Actor } from "./actor";
import type { FleetEventType, NewFleetEvent } from "./fleet-event";
import type { Worker } from "./worker";

/**
 * The next state of a worker and the events that explain it, to be saved
 * together. No events means nothing worth recording changed (the worker may
 * still carry fresher figures, e.g. a license check time).
 */
export interface WorkerChange {
  readonly worker: Worker;
  readonly events: readonly NewFleetEvent[];
}

/**
 * `updatedAt` must grow with every change so that subscribers can keep the
 * newest copy, even when two changes land in the same millisecond.
 */
export function laterThan(previous: Date, now: Date): Date {
  return now.getTime() > previous.getTime() ? now : new Date(previous.getTime() + 1);
}

/**
 * Builds an event about one worker, for the domain's changes and the services
 * alike. `message` is the whole line people read: most say
 * `"<worker name>: what happened"`, those addressed to the worker's users are
 * sentences (`"lab-a is idle and will be stopped at …"`).
 */
export function workerEvent(
  worker: Pick<Worker, "id">,
  type: FleetEventType,
  message: string,
  details: {
    readonly actor: Actor;
    readonly reason: string | null;
    readonly now: Date;
    readonly data?: Readonly<Record<string, unknown>>;
  },
): NewFleetEvent {
  return {
    type,
    workerId: worker.id,
    at: details.now,
    message,
    reason: details.reason,
    actor: details.actor,
    data: details.data ?? {},
  };
}

export function unchanged(worker: Worker): WorkerChange {
  return { worker, events: [] };
}

export function changed(
  worker: Worker,
  next: Partial<Worker>,
  now: Date,
  events: readonly NewFleetEvent[],
): WorkerChange {
  return { worker: { ...worker, ...next, updatedAt: laterThan(worker.updatedAt, now) }, events };
}
