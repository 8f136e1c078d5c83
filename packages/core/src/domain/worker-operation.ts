import type { JobKind } from "./job";

/**
 * An accepted request for an operation on a worker, as the outbox keeps it
 * (the `worker_operations` table): written in the transaction of the intent
 * it serves, next to the job queued for it, and settled when that job is
 * done. A PENDING row whose job is gone is queued again by the converge
 * sweep, so an accepted intent always lands or ends in a visible failure.
 */
export const WORKER_OPERATION_STATES = ["PENDING", "DONE", "FAILED", "SUPERSEDED"] as const;
export type WorkerOperationState = (typeof WORKER_OPERATION_STATES)[number];

/** What a worker job carries of the request it serves: its outbox row. */
export interface OperationIntent {
  readonly operationId: string;
  /**
   * When the job was queued (epoch ms), inside the intent's transaction: how
   * long the job waits for that transaction to commit is counted from it
   * (a retried job keeps its first creation time, so that cannot be used).
   */
  readonly queuedAt?: number;
}

export interface NewWorkerOperation {
  readonly id: string;
  readonly workerId: string;
  readonly kind: JobKind;
  /** The job's deterministic id (workerJobId): where the queue holds it. */
  readonly jobId: string;
  /** The job's payload, intent included; never a secret (a license token travels as a vault reference). */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly requestedAt: Date;
}

export interface WorkerOperationRecord extends NewWorkerOperation {
  readonly state: WorkerOperationState;
  readonly settledAt: Date | null;
  /** How many times the converge sweep queued the job again. */
  readonly redrives: number;
}

/** The intent a job payload carries, if any (payloads queued before the outbox carry none). */
export function intentOf(payload: unknown): OperationIntent | null {
  if (typeof payload !== "object" || payload === null || !("intent" in payload)) {
    return null;
  }
  const intent: unknown = payload.intent;
  if (typeof intent !== "object" || intent === null || !("operationId" in intent)) {
    return null;
  }
  if (typeof intent.operationId !== "string") {
    return null;
  }
  const queuedAt = "queuedAt" in intent && typeof intent.queuedAt === "number" ? intent.queuedAt : null;
  return queuedAt === null
    ? { operationId: intent.operationId }
    : { operationId: intent.operationId, queuedAt };
}
