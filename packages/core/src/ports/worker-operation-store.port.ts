import type { JobKind } from "../domain/job";
import type { WorkerOperationRecord, WorkerOperationState } from "../domain/worker-operation";
import type { DesiredStatus, WorkerStatus } from "../domain/worker-status";

/** A worker whose desired status is not where its status is heading, with no operation pending to take it there. */
export interface UnattendedWorker {
  readonly workerId: string;
  readonly status: WorkerStatus;
  readonly desiredStatus: DesiredStatus;
}

/**
 * The outbox of accepted operations (rows are written with the intent, in
 * its transaction, through WorkerWriteOptions.queueOperation).
 */
export interface WorkerOperationStore {
  findById(id: string): Promise<WorkerOperationRecord | null>;
  /** One worker's rows, oldest first (at most `limit`). */
  listByWorker(workerId: string, limit: number): Promise<WorkerOperationRecord[]>;
  /**
   * Settles every PENDING row of one worker's `kind` requested at or before
   * `at`: a job serves the requests that joined it too. Answers how many.
   */
  settle(
    workerId: string,
    kind: JobKind,
    state: Exclude<WorkerOperationState, "PENDING">,
    at: Date,
  ): Promise<number>;
  /** Settles one row if it is still PENDING; answers whether it was. */
  settleOne(id: string, state: Exclude<WorkerOperationState, "PENDING">, at: Date): Promise<boolean>;
  /** Whether a request of one of `kinds` on the worker was accepted after `since` (whatever became of it). */
  hasRequestSince(workerId: string, kinds: readonly JobKind[], since: Date): Promise<boolean>;
  /** PENDING rows requested before `requestedBefore`, oldest first. */
  listPending(requestedBefore: Date, limit: number): Promise<WorkerOperationRecord[]>;
  /** Counts one more re-drive of a row. */
  recordRedrive(id: string): Promise<void>;
  /**
   * Workers never served by the outbox (no start, stop or terminate row) whose desired status
   * is RUNNING while STOPPED, STOPPED while RUNNING, or TERMINATED while
   * RUNNING or STOPPED: intents written before it, or by a path outside it.
   * A worker whose last operation event is its failure (worker.operation_failed
   * after the last worker.operation_requested) is left as it is: that failure is the visible end.
   */
  listUnattended(limit: number): Promise<UnattendedWorker[]>;
}
