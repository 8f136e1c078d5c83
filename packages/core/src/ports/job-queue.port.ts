import type { JobInfo, JobKind, JobPayloads, JobRequest, JobState } from "../domain/job";

export interface JobListFilter {
  readonly workerId?: string | undefined;
  /** Only the jobs of these workers (a USER's own); fleet-wide jobs are left out. */
  readonly workerIds?: readonly string[] | undefined;
  readonly states?: readonly JobState[] | undefined;
  readonly first: number;
  /** An opaque cursor from a previous page (a job's `cursor`): the jobs created before it. */
  readonly after?: string | undefined;
}

/** A request of any kind, narrowed by its `kind`. */
export type AnyJobRequest = { [K in JobKind]: JobRequest<K> }[JobKind];

/** A job as it was asked for: what a retry re-plans from. */
export interface JobWithRequest {
  readonly info: JobInfo;
  readonly request: AnyJobRequest;
}

/**
 * The producer side of the job queues (BullMQ in production). Ids are the
 * fleet's own (`jobKindOfId`): any other text names no job, so BullMQ's
 * own keys are never read as jobs.
 */
export interface JobQueue {
  /** Enqueues, or joins the job already queued or running for the same worker and kind. */
  enqueue<K extends JobKind>(kind: K, payload: JobPayloads[K]): Promise<JobInfo>;
  get(id: string): Promise<JobInfo | null>;
  /** The jobs with these ids that exist, by id, in one round trip (a page of workers' jobs at once). */
  getMany(ids: readonly string[]): Promise<Map<string, JobInfo>>;
  /** The job and the request it carries (kind and payload); null when there is no such job. */
  getWithRequest(id: string): Promise<JobWithRequest | null>;
  /** Newest first (created at, then id), a page at a time. */
  list(filter: JobListFilter): Promise<JobInfo[]>;
  /**
   * Re-runs a failed job, with `request`'s payload when given (a retry
   * re-planned by the person who asked for it); throws a conflict when it
   * is not failed, or when `request` is of another kind.
   */
  retry<K extends JobKind>(id: string, request?: JobRequest<K>): Promise<JobInfo>;
  /** Waits (bounded) for a job's return value; throws when it fails or the wait times out. */
  waitForResult(id: string, timeoutMs: number): Promise<unknown>;
}
