import type { JobKind, JobPayloads } from "@cml-fleet/core/domain/job";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { JobDefinition } from "./job-definition";

/** BullMQ's reason for a job that stalled more than maxStalledCount times (moveStalledJobsToWait). */
export const STALLED_OUT_REASON = "job stalled more than allowable limit";

/** How long the claim on a stalled-out job's final failure is kept: far past any retry of it. */
const CLAIM_TTL_MS = 7 * 86_400_000;

export interface StalledOutDeps<K extends JobKind> {
  readonly definition: JobDefinition<K>;
  readonly connection: Redis;
  readonly prefix: string;
  readonly logger: Logger;
}

/** Whether BullMQ failed this job because it stalled too often (its processor never saw that failure). */
export function isStalledOut(job: Pick<Job, "deferredFailure" | "failedReason">): boolean {
  return job.deferredFailure === STALLED_OUT_REASON || job.failedReason === STALLED_OUT_REASON;
}

/**
 * A job whose attempts kept stalling (its process died or hung each time,
 * past maxStalledCount) is failed by BullMQ itself when a worker next fetches
 * it, without calling the processor, so the processor's final-failure
 * handling never ran: a provision would leave its instance running and the
 * worker PENDING. This runs it, once across every process (a Redis SET NX
 * claim per job and creation instant), with a reason that says what happened.
 */
export async function onStalledOut<K extends JobKind>(
  job: Job<JobPayloads[K]>,
  deps: StalledOutDeps<K>,
): Promise<void> {
  const onFinalFailure = deps.definition.onFinalFailure;
  if (!isStalledOut(job) || onFinalFailure === undefined) {
    return;
  }
  const jobId = job.id ?? "";
  try {
    const claim = `${deps.prefix}:stalled-out:${jobId}:${job.timestamp}`;
    if ((await deps.connection.set(claim, "1", "PX", CLAIM_TTL_MS, "NX")) === null) {
      return;
    }
    const reason = `stalled: ${deps.definition.kind} job ${jobId} stalled more than its allowed count (its process died or hung each time) and was given up`;
    deps.logger.error({ jobId }, reason);
    await onFinalFailure(job.data, reason);
  } catch (error) {
    deps.logger.error({ err: error, jobId }, "could not record the failure of a stalled-out job");
  }
}
