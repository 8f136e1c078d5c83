/** Where a job stands in the queue, as the converge sweep needs it. */
export interface QueuedJob {
  /** In flight: waiting, delayed, active (or any state but finished). */
  readonly state: "in-flight" | "completed" | "failed";
  /** The outbox row its payload serves (null for a payload without intent). */
  readonly operationId: string | null;
}

/** Many jobs looked up at once (one round trip), by id; an id absent from the answer has no job. */
export interface JobLookup {
  find(ids: readonly string[]): Promise<ReadonlyMap<string, QueuedJob>>;
}
