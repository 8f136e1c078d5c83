import type { JobInfo, JobKind, JobPayloads, JobState } from "../domain/job";

export interface JobListFilter {
  readonly workerId?: string | undefined;
  readonly states?: readonly JobState[] | undefined;
  readonly first: number;
}

/** The producer side of the job queues (BullMQ in production). */
export interface JobQueue {
  /** Enqueues, or joins the job already queued or running for the same worker and kind. */
  enqueue<K extends JobKind>(kind: K, payload: JobPayloads[K]): Promise<JobInfo>;
  get(id: string): Promise<JobInfo | null>;
  list(filter: JobListFilter): Promise<JobInfo[]>;
  /** Re-runs a failed job; throws a conflict when it is not failed. */
  retry(id: string): Promise<JobInfo>;
  /** Waits (bounded) for a job's return value; throws when it fails or the wait times out. */
  waitForResult(id: string, timeoutMs: number): Promise<unknown>;
}
