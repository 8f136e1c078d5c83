import type { JobKind, JobPayloads } from "@cml-fleet/core/domain/job";
import { isFleetError } from "@cml-fleet/core/errors";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { jobTimeoutError, throwIfPastJobDeadline, withinJobDeadline } from "@cml-fleet/core/services/poll";
import { toJobInfo } from "@cml-fleet/platform/queue/job-info";
import {
  isWorkerKind,
  type JobProgressValue,
  queueName,
  workerIdOf,
} from "@cml-fleet/platform/queue/queue-definitions";
import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type JobTelemetryDeps, observeJobWorker, traceJobProcessor } from "../observability/job-telemetry";
import { type ArmedDeadline, armJobDeadline, type JobTimeouts } from "./job-deadline";
import type { JobDefinition } from "./job-definition";
import type { WorkerLocks } from "./worker-lock";

export interface QueueWorkerOptions {
  readonly connection: Redis;
  readonly prefix: string;
  readonly concurrency: number;
  /** BullMQ's job lock; a job whose process died is taken back after about this long. */
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  /** How long a job waits before trying again when its worker is busy with another operation. */
  readonly busyRetryDelayMs: number;
  readonly locks: WorkerLocks;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  readonly telemetry?: JobTelemetryDeps | undefined;
  /** The bound of each attempt (CML_JOB_TIMEOUT, CML_PROVISIONING_TIMEOUT); none when unset. */
  readonly timeouts?: JobTimeouts | undefined;
}

/**
 * Runs `work` until it settles or the deadline fires, whichever is first. On
 * the deadline the attempt ends at once (the lock is released, the failure
 * handled) even if `work` is stuck in a call that ignores signals; `work`
 * itself stops at its next guarded call or wait, which throws the timeout.
 */
function untilDeadline<T>(deadline: ArmedDeadline, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(jobTimeoutError(deadline));
    if (deadline.signal.aborted) {
      onAbort();
      return;
    }
    deadline.signal.addEventListener("abort", onAbort, { once: true });
    withinJobDeadline(deadline, work).then(resolve, reject);
  });
}

/** An error a retry cannot fix: a typed fleet error that says it is not retryable. */
function isPermanent(error: unknown): boolean {
  return isFleetError(error) && !error.retryable;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A BullMQ worker for one job kind: takes the worker's operation slot,
 * reports progress, publishes the job's changes, and sorts failures into
 * retry-with-backoff and UnrecoverableError.
 */
export function createQueueWorker<K extends JobKind>(
  definition: JobDefinition<K>,
  options: QueueWorkerOptions,
): Worker {
  const kind = definition.kind;
  const logger = options.logger.child({ queue: kind });

  const publish = async (job: Job, state: Parameters<typeof toJobInfo>[1]) => {
    await options.publisher.jobUpdated(toJobInfo(job, state, kind)).catch((error: unknown) => {
      logger.warn({ err: error, jobId: job.id }, "could not publish a job update");
    });
  };

  const processor = async (job: Job<JobPayloads[K]>, token?: string): Promise<unknown> => {
    const jobId = job.id ?? "";
    const workerId = isWorkerKind(kind) ? workerIdOf(kind, job.data) : null;
    const lock = workerId === null ? null : await options.locks.acquire(workerId, jobId);
    if (workerId !== null && lock === null) {
      // Another operation holds this worker: come back later without spending an attempt.
      await job.moveToDelayed(Date.now() + options.busyRetryDelayMs, token);
      throw new DelayedError();
    }
    let deadline: ArmedDeadline | null = null;
    try {
      await publish(job, "active");
      const context = {
        jobId,
        progress: {
          report: async (progress: number, step: string) => {
            // Each step is a point where a job past its bound stops.
            throwIfPastJobDeadline();
            const value: JobProgressValue = { progress, step };
            await job.updateProgress(value);
            await publish(job, "active");
          },
        },
      };
      if (options.timeouts === undefined) {
        return await definition.process(job.data, context);
      }
      deadline = await armJobDeadline(options.connection, options.prefix, options.timeouts, {
        kind,
        jobId,
        createdAt: job.timestamp,
        workerId,
      });
      const armed = deadline;
      return await untilDeadline(armed, () =>
        definition.process(job.data, { ...context, signal: armed.signal }),
      );
    } catch (error) {
      const permanent = isPermanent(error);
      const lastAttempt = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      logger.warn(
        { err: error, jobId, attempt: job.attemptsMade + 1, permanent, lastAttempt },
        "job attempt failed",
      );
      if (lastAttempt && definition.onFinalFailure !== undefined) {
        await definition.onFinalFailure(job.data, messageOf(error)).catch((cleanupError: unknown) => {
          logger.error({ err: cleanupError, jobId }, "could not record the failure of a job");
        });
      }
      if (permanent) {
        throw new UnrecoverableError(messageOf(error));
      }
      throw error;
    } finally {
      deadline?.disarm();
      await lock
        ?.release()
        .catch((error: unknown) => logger.warn({ err: error, jobId }, "could not release a worker lock"));
    }
  };

  const telemetry = options.telemetry;
  const run = telemetry === undefined ? processor : traceJobProcessor(kind, processor, telemetry);
  const worker = new Worker<JobPayloads[K]>(queueName(kind), run, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    // Every processor is idempotent, so a job whose process died may run again.
    maxStalledCount: 3,
    autorun: true,
  });
  worker.on("error", (error) => logger.error({ err: error }, "job worker error"));
  worker.on("completed", (job) => void publish(job, "completed"));
  worker.on("failed", (job, error) => {
    if (job !== undefined && !(error instanceof DelayedError)) {
      void publish(job, job.finishedOn === undefined ? "delayed" : "failed");
    }
  });
  worker.on("stalled", (jobId) => logger.warn({ jobId }, "job stalled; it will be run again"));
  if (telemetry !== undefined) {
    observeJobWorker(worker, kind, telemetry);
  }
  return worker;
}
