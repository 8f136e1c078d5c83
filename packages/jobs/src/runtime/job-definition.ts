import type { JobKind, JobPayloads } from "@cml-fleet/core/domain/job";
import type { ProgressReporter } from "@cml-fleet/core/services/job-progress";
import type { WaitProgress } from "@cml-fleet/core/services/poll";

export interface ProcessorContext {
  readonly progress: ProgressReporter;
  readonly jobId: string;
  /**
   * Fires at the attempt's bound (CML_JOB_TIMEOUT, CML_PROVISIONING_TIMEOUT).
   * The guarded ports and waits already check it; a processor that waits on
   * something else should pass it on.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Where this job's wait stood when its previous step handed its slot back
   * (see `waitAgain`); null on an attempt's first step.
   */
  readonly waited: WaitProgress | null;
  /**
   * Ends this step without holding the slot while the job waits: the
   * worker's lock is released, the job goes to BullMQ's delayed state and
   * runs again (any process) in `delayMs`, with `progress` as `waited`. No
   * attempt is spent, and the job's bound keeps counting from its first
   * attempt.
   */
  waitAgain(delayMs: number, progress: WaitProgress): never;
}

/** One job kind: a thin processor calling one service, and what to do after its last failed attempt. */
export interface JobDefinition<K extends JobKind> {
  readonly kind: K;
  /** Returns JSON-friendly data (the job's result). */
  process(payload: JobPayloads[K], context: ProcessorContext): Promise<unknown>;
  /** Runs once when the job will not be tried again (permanent error or attempts used up). */
  onFinalFailure?(payload: JobPayloads[K], reason: string): Promise<void>;
}
