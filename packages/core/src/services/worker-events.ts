import type { Actor } from "../domain/actor";
import type { NewFleetEvent } from "../domain/fleet-event";
import type { Worker } from "../domain/worker";
import { applyObservedStatus } from "../domain/worker-changes-observed";
import type { WorkerStatus } from "../domain/worker-status";

/**
 * The worker with a new status and the event saying so (the domain's rules:
 * the transition table, a new idle stretch on reaching RUNNING, the warning
 * ended on leaving it); nothing changes when the status does not move.
 */
export function withStatus(
  worker: Worker,
  status: WorkerStatus,
  actor: Actor,
  now: Date,
  reason: string | null = null,
): { worker: Worker; events: NewFleetEvent[] } {
  const change = applyObservedStatus(worker, status, reason, actor, now);
  return { worker: change.worker, events: [...change.events] };
}
