import { InvalidTransitionError } from "../errors";
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

/** Operations an operator (or the system) can ask of a worker. */
export const WORKER_OPERATIONS = [
  "start",
  "stop",
  "terminate",
  "refresh",
  "register-license",
  "deregister-license",
] as const;
export type WorkerOperation = (typeof WORKER_OPERATIONS)[number];

/**
 * What accepting an operation means:
 * - `run`: enqueue the job; the worker is heading to `desired` (and `status` will pass through `next`).
 * - `join`: the worker is already heading there; a request joins the running job instead of starting another.
 */
export type OperationPlan =
  | { readonly kind: "run"; readonly desired: DesiredStatus | null; readonly next: WorkerStatus | null }
  | { readonly kind: "join" };

interface OperationRule {
  /** Statuses from which the operation starts work, and the status the worker passes to. */
  readonly runFrom: Partial<Record<WorkerStatus, WorkerStatus | null>>;
  /** Statuses in which the operation is already under way or done: the request joins. */
  readonly joinFrom: readonly WorkerStatus[];
  readonly desired: DesiredStatus | null;
}

const OPERATION_RULES: Readonly<Record<WorkerOperation, OperationRule>> = {
  start: {
    runFrom: { STOPPED: "PENDING", FAILED: "PENDING", UNKNOWN: "PENDING" },
    joinFrom: ["PENDING", "RUNNING"],
    desired: "RUNNING",
  },
  stop: {
    runFrom: { RUNNING: "STOPPING", PENDING: "STOPPING", FAILED: "STOPPING", UNKNOWN: "STOPPING" },
    joinFrom: ["STOPPING", "STOPPED"],
    desired: "STOPPED",
  },
  terminate: {
    runFrom: {
      PENDING: "SHUTTING_DOWN",
      RUNNING: "SHUTTING_DOWN",
      STOPPING: "SHUTTING_DOWN",
      STOPPED: "SHUTTING_DOWN",
      FAILED: "SHUTTING_DOWN",
      UNKNOWN: "SHUTTING_DOWN",
    },
    joinFrom: ["SHUTTING_DOWN"],
    desired: "TERMINATED",
  },
  refresh: {
    runFrom: {
      PENDING: null,
      RUNNING: null,
      STOPPING: null,
      STOPPED: null,
      SHUTTING_DOWN: null,
      FAILED: null,
      UNKNOWN: null,
    },
    joinFrom: [],
    desired: null,
  },
  "register-license": { runFrom: { RUNNING: null }, joinFrom: [], desired: null },
  "deregister-license": { runFrom: { RUNNING: null }, joinFrom: [], desired: null },
};

/**
 * Decides whether `operation` may run on a worker in `status`. Throws an
 * {@link InvalidTransitionError} (a CONFLICT) naming the operation and the state when it may not.
 */
export function planOperation(operation: WorkerOperation, status: WorkerStatus): OperationPlan {
  const rule = OPERATION_RULES[operation];
  if (rule.joinFrom.includes(status)) {
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
