import type { Actor } from "../domain/actor";
import type { FleetEventType, NewFleetEvent } from "../domain/fleet-event";
import type { Worker } from "../domain/worker";
import type { WorkerStatus } from "../domain/worker-status";

/** Builds an event about one worker. */
export function workerEvent(
  type: FleetEventType,
  worker: Pick<Worker, "id">,
  actor: Actor,
  at: Date,
  message: string,
  options: { reason?: string | null; data?: Record<string, unknown> } = {},
): NewFleetEvent {
  return {
    type,
    workerId: worker.id,
    at,
    message,
    reason: options.reason ?? null,
    actor,
    data: options.data ?? {},
  };
}

/**
 * The worker with a new status, plus the status-changed event; no event (and
 * the same status timestamps) when the status does not move.
 */
export function withStatus(
  worker: Worker,
  status: WorkerStatus,
  actor: Actor,
  now: Date,
  reason: string | null = null,
): { worker: Worker; events: NewFleetEvent[] } {
  if (worker.status === status) {
    return { worker: reason === null ? worker : { ...worker, statusReason: reason }, events: [] };
  }
  const next: Worker = { ...worker, status, statusReason: reason, statusChangedAt: now };
  const event = workerEvent(
    "worker.status_changed",
    worker,
    actor,
    now,
    `${worker.name}: ${worker.status} -> ${status}`,
    { reason, data: { from: worker.status, to: status } },
  );
  return { worker: next, events: [event] };
}
