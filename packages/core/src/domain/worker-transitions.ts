import { InvalidTransitionError } from "../errors";
import { JOB_KIND_TABLE, JOB_KINDS, type JobKindsWhere, type OperationRule } from "./job";
import type { DesiredStatus, WorkerStatus } from "./worker-status";

/**
 * The one table of allowed status changes. Observed changes can skip steps
 * (a sweep may see RUNNING then STOPPED without STOPPING in between), so the
 * table allows those skips; TERMINATED is final.
 */
export const STATUS_TRANSITIONS: Readonly<Record<WorkerStatus, readonly WorkerStatus[]>> = {
  PENDING: ["RUNNING", "STOPPING", "STOPPED", "SHUTTING_DOWN", "TERMINATED", "FAILED", "UNKNOWN"],
  RUNNING: ["STOPPING", "STOPPED", "SHUTTING_DOWN", "TERMINATED", "FAILED", "UNKNOWN"],
  STOPPING: ["STOPPED", "SHUTTING_DOWN", "TERMINATED", "FAILED", "UNKNOWN"],
  STOPPED: ["PENDING", "RUNNING", "SHUTTING_DOWN", "TERMINATED", "FAILED", "UNKNOWN"],
  SHUTTING_DOWN: ["TERMINATED", "FAILED", "UNKNOWN"],
  TERMINATED: [],
  FAILED: ["PENDING", "RUNNING", "STOPPING", "STOPPED", "SHUTTING_DOWN", "TERMINATED", "UNKNOWN"],
  UNKNOWN: ["PENDING", "RUNNING", "STOPPING", "STOPPED", "SHUTTING_DOWN", "TERMINATED", "FAILED"],
};

export function canTransition(from: WorkerStatus, to: WorkerStatus): boolean {
  return from === to || STATUS_TRANSITIONS[from].includes(to);
}

/** Throws a conflict naming both states when `from → to` is not in the table. */
export function assertTransition(operation: string, from: WorkerStatus, to: WorkerStatus): void {
  if (!canTransition(from, to)) {
    throw new InvalidTransitionError(operation, from, to);
  }
}

/** Operations an operator (or the system) can ask of a worker: the job kinds with an operation in the table. */
export type WorkerOperation = JobKindsWhere<{ readonly operation: OperationRule }>;
export const WORKER_OPERATIONS: readonly WorkerOperation[] = JOB_KINDS.filter(
  (kind): kind is WorkerOperation => "operation" in JOB_KIND_TABLE[kind],
);

/** The table row's rule for an operation: what it may start from, what it joins, what it asks for. */
export function operationRule(operation: WorkerOperation): OperationRule {
  return JOB_KIND_TABLE[operation].operation;
}

/**
 * What accepting an operation means:
 * - `run`: enqueue the job; the worker is heading to `desired` (and `status` will pass through `next`).
 * - `join`: the worker is already heading there; a request joins the running job instead of starting another.
 */
export type OperationPlan =
  | { readonly kind: "run"; readonly desired: DesiredStatus | null; readonly next: WorkerStatus | null }
  | { readonly kind: "join" };

/**
 * Decides whether `operation` may run on a worker in `status`. Throws an
 * {@link InvalidTransitionError} (a CONFLICT) naming the operation and the state when it may not.
 *
 * With `desired` (the worker's desired status), a worker whose status is
 * where the operation leads, or on its way there, but whose desired status
 * is elsewhere (a start while a stop is queued) is not joined: the request
 * records its own intent and queues its job, and the queued opposite job
 * finds itself superseded. Without it, the status alone decides. `opposed`
 * says the opposite operation's job is queued or running (an idle stop,
 * which records no desired status): the request is recorded and queued too.
 */
export function planOperation(
  operation: WorkerOperation,
  status: WorkerStatus,
  desired?: DesiredStatus,
  opposed = false,
): OperationPlan {
  const rule = operationRule(operation);
  if (rule.joinFrom.includes(status)) {
    if (rule.desired !== null && (opposed || (desired !== undefined && desired !== rule.desired))) {
      return { kind: "run", desired: rule.desired, next: null };
    }
    return { kind: "join" };
  }
  if (status in rule.runFrom) {
    const next = rule.runFrom[status] ?? null;
    if (next !== null) {
      assertTransition(operation, status, next);
    }
    return { kind: "run", desired: rule.desired, next };
  }
  throw new InvalidTransitionError(operation, status, null);
}

/** The operation that undoes `operation`'s status change (a start's is a stop), if any. */
export function opposingOperation(operation: WorkerOperation): "start" | "stop" | null {
  return operation === "start" ? "stop" : operation === "stop" ? "start" : null;
}
