import type { JobKind, JobPayloads } from "@cml-fleet/core/domain/job";
import type { ProgressReporter } from "@cml-fleet/core/services/job-progress";

export interface ProcessorContext {
  readonly progress: ProgressReporter;
  readonly jobId: string;
  /**
   * Fires at the attempt's bound (CML_JOB_TIMEOUT, CML_PROVISIONING_TIMEOUT).
   * The guarded ports and waits already check it; a processor that waits on
   * something else should pass it on.
   */
  readonly signal?: AbortSignal | undefined;
}

/** One job kind: a thin processor calling one service, and what to do after its last failed attempt. */
export interface JobDefinition<K extends JobKind> {
  readonly kind: K;
  /** Returns JSON-friendly data (the job's result). */
  process(payload: JobPayloads[K], context: ProcessorContext): Promise<unknown>;
  /** Runs once when the job will not be tried again (permanent error or attempts used up). */
  onFinalFailure?(payload: JobPayloads[K], reason: string): Promise<void>;
}
