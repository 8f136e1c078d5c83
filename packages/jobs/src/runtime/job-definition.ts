import type { JobKind, JobPayloads } from "@cml-fleet/core/domain/job";
import type { ProgressReporter } from "@cml-fleet/core/services/job-progress";
import type { WaitProgress } from "@cml-fleet/core/services/poll";
import type { ChildJobs } from "./child-jobs";

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
  /** The job's child jobs, for a kind that fans out (`fansOut`). */
  readonly children?: ChildJobs | undefined;
}

/** One job kind: a thin processor calling one service, and what to do after its last failed attempt. */
export interface JobDefinition<K extends JobKind> {
  readonly kind: K;
  /** Returns JSON-friendly data (the job's result). */
  process(payload: JobPayloads[K], context: ProcessorContext): Promise<unknown>;
  /**
   * For a fleet-wide kind that is not a scheduled sweep: what must not run
   * twice at once across processes (the key of a lease, see acquireSweep). A
   * job whose lease another process holds is skipped and says so in its result.
   */
  lease?(payload: JobPayloads[K]): string;
  /**
   * Queues child jobs and waits for them (ProcessorContext.children). Only
   * the first step takes the lease: a job resumed once its children have all
   * finished only reads their answers.
   */
  readonly fansOut?: boolean;
  /** Runs once when the job will not be tried again (permanent error or attempts used up). */
  onFinalFailure?(payload: JobPayloads[K], reason: string): Promise<void>;
}
