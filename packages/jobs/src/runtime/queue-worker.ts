import { isSweepKind, type JobKind, type JobPayloads } from "@cml-fleet/core/domain/job";
import { isFleetError, JobAbandonedError, JobLockLostError } from "@cml-fleet/core/errors";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import {
  type JobDeadline,
  jobStopError,
  throwIfPastJobDeadline,
  type WaitProgress,
  withinJobDeadline,
} from "@cml-fleet/core/services/poll";
import { toJobInfo } from "@cml-fleet/platform/queue/job-info";
import {
  isWorkerKind,
  type JobProgressValue,
  queueName,
  workerIdOf,
} from "@cml-fleet/platform/queue/queue-definitions";
import { DelayedError, type Job, UnrecoverableError, WaitingChildrenError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type JobTelemetryDeps, observeJobWorker, traceJobProcessor } from "../observability/job-telemetry";
import type { ChildQueues } from "./child-jobs";
import { gateIntent, type IntentGate } from "./intent-check";
import { armJobDeadline, describeAttempt, type JobTimeouts, unboundedAttempt } from "./job-deadline";
import type { JobDefinition } from "./job-definition";
import { createJobLockWatch } from "./job-lock-watch";
import { onStalledOut } from "./stalled-out";
import { createStepHolds } from "./step-hold";
import { StepWait, stepDelayMs, stepWaitOf, withStepWait } from "./step-wait";
import type { HeldLock, WorkerLocks } from "./worker-lock";

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
  /** The outbox check of worker jobs carrying an intent (see intent-check.ts); none when unset. */
  readonly intents?: IntentGate | undefined;
  /**
   * Fires when the process gives up waiting for its active attempts at
   * shutdown: each stops at its next guarded call and its job is queued again
   * at once, without spending an attempt (see {@link abandonAttempt}).
   */
  readonly shutdown?: AbortSignal | undefined;
  /** Where kinds that fan out queue their children (JobDefinition.fansOut). */
  readonly children?: ChildQueues | undefined;
  /** Recorded on every job this worker takes (BullMQ's `processedBy`): which job process ran it. */
  readonly processName?: string | undefined;
}

/**
 * Runs `work` until it settles or the attempt's signal fires (its deadline,
 * or the loss of its lock), whichever is first. Then the attempt ends at once
 * (the lock is released, the failure handled) even if `work` is stuck in a
 * call that ignores signals; `work` itself stops at its next guarded call or
 * wait, which throws the same error (the timeout, or JobLockLostError).
 */
function untilStopped<T>(scope: JobDeadline, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(jobStopError(scope));
    if (scope.signal.aborted) {
      onAbort();
      return;
    }
    scope.signal.addEventListener("abort", onAbort, { once: true });
    withinJobDeadline(scope, work).then(resolve, reject);
  });
}

/** A signal that fires with {@link JobAbandonedError} when the process's `shutdown` fires. */
function abandoned(shutdown: AbortSignal, what: string): AbortSignal {
  const controller = new AbortController();
  const abandon = () => controller.abort(new JobAbandonedError(what));
  if (shutdown.aborted) {
    abandon();
  } else {
    shutdown.addEventListener("abort", abandon, { once: true });
  }
  return controller.signal;
}

/**
 * Hands an attempt the process gave up on back to the queue: the job waits
 * again, runnable at once by any process, and keeps its attempts (BullMQ's
 * DelayedError). When Redis cannot take it back, the attempt fails as a
 * retryable one, and BullMQ retries it.
 */
async function abandonAttempt(
  job: Job,
  token: string | undefined,
  error: JobAbandonedError,
  logger: Logger,
): Promise<Error> {
  try {
    await job.moveToDelayed(Date.now(), token);
    logger.warn({ jobId: job.id }, "job attempt abandoned at shutdown; the job is queued again");
    return new DelayedError();
  } catch (moveError) {
    logger.warn(
      { err: moveError, jobId: job.id },
      "could not queue an abandoned job again; it will be retried",
    );
    return error;
  }
}

/**
 * Ends a step that waits (StepWait): records where its wait stands in the
 * job's data, lets go of the worker's lock (another operation, a terminate
 * say, may run meanwhile; the next step checks again), and parks the job in
 * BullMQ's delayed state until the next look, spending no attempt.
 */
async function waitAgain(
  job: Job,
  token: string | undefined,
  wait: StepWait,
  lock: HeldLock | null,
): Promise<DelayedError> {
  await job.updateData(withStepWait(job.data, wait.progress, job.attemptsMade));
  // A release Redis refuses is no reason to fail the step: the lock lapses with its TTL.
  await lock?.release().catch(() => undefined);
  await job.moveToDelayed(Date.now() + stepDelayMs(wait), token);
  return new DelayedError();
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

  // Set once the BullMQ worker exists (it names the job lock keys); attempts only run after that.
  let lockKeyOf: (jobId: string) => string = (jobId) => jobId;
  const jobLocks = createJobLockWatch(options.connection, (jobId) => lockKeyOf(jobId));
  const holds = createStepHolds(options.connection, options.prefix);

  const processor = async (job: Job<JobPayloads[K]>, token?: string): Promise<unknown> => {
    const jobId = job.id ?? "";
    const workerId = isWorkerKind(kind) ? workerIdOf(kind, job.data) : null;
    const attempt = { kind, jobId, workerId, createdAt: job.timestamp };
    // The lock's owner is this attempt (BullMQ's token), not the job: a stalled attempt never shares it.
    const owner = { jobId, token: token ?? "", what: describeAttempt(attempt) };
    let lock: HeldLock | null = null;
    // A parent resumed after its children finished only reads their answers: it takes no lease again.
    const children =
      definition.fansOut === true && options.children !== undefined
        ? await options.children.of(job, token ?? "")
        : undefined;
    const lease = definition.lease?.(job.data) ?? (isSweepKind(kind) ? kind : null);
    if (workerId !== null) {
      lock = await options.locks.acquire(workerId, owner);
      // Another job waiting between its steps keeps the worker too (see step-hold.ts).
      if (lock !== null && (await holds.heldByAnother(workerId, jobId).catch(() => false))) {
        await lock.release().catch(() => undefined);
        lock = null;
      }
      if (lock === null) {
        // Another operation holds this worker: come back later without spending an attempt.
        await job.moveToDelayed(Date.now() + options.busyRetryDelayMs, token);
        throw new DelayedError();
      }
    } else if (lease !== null && (children?.finished ?? null) === null) {
      lock = await options.locks.acquireSweep(lease, owner);
      if (lock === null) {
        // The same sweep (or the same step of one) runs in another attempt: this period's run is that one.
        logger.info({ jobId, lease }, "sweep already running in another process; this run is skipped");
        return {
          skipped:
            lease === kind
              ? "the same sweep was running in another process"
              : `${lease} was being swept by another job`,
        };
      }
    }
    // Under the lock: the request this job serves was saved and still stands, or the job does nothing.
    const gated = await gateIntent(options.intents, kind, job, token, lock);
    if (gated !== null) {
      return gated;
    }
    let deadline = unboundedAttempt(attempt);
    // BullMQ's lock on the job: lost, another process may take the job over (see job-lock-watch.ts).
    const jobLock = jobLocks.track(jobId, token ?? "", owner.what);
    // Whether the worker stays this job's after the attempt: it waits for its next step, or goes on elsewhere.
    let holding = false;
    try {
      await publish(job, "active");
      if (options.timeouts !== undefined) {
        deadline = await armJobDeadline(options.connection, options.prefix, options.timeouts, attempt);
      }
      // One signal for every reason to stop: the bound (timeout), the lock lost (taken over), the process leaving.
      const signal = AbortSignal.any([
        deadline.signal,
        jobLock.signal,
        ...(lock === null ? [] : [lock.lost]),
        ...(options.shutdown === undefined ? [] : [abandoned(options.shutdown, owner.what)]),
      ]);
      const scope: JobDeadline = { ...deadline, signal };
      const context = {
        jobId,
        signal,
        children,
        waited: stepWaitOf(job.data, job.attemptsMade),
        waitAgain: (delayMs: number, progress: WaitProgress): never => {
          throw new StepWait(delayMs, progress);
        },
        progress: {
          report: async (progress: number, step: string) => {
            // Each step is a point where a job past its bound, or without its lock, stops.
            throwIfPastJobDeadline();
            const value: JobProgressValue = { progress, step };
            await job.updateProgress(value);
            await publish(job, "active");
          },
        },
      };
      return await untilStopped(scope, () => definition.process(job.data, context));
    } catch (error) {
      if (error instanceof WaitingChildrenError) {
        // Parked until its children finish (ChildJobs.awaitAll): not a failure.
        throw error;
      }
      if (error instanceof StepWait) {
        holding = workerId !== null;
        if (workerId !== null) {
          await holds.hold(workerId, jobId, stepDelayMs(error));
        }
        // Released here, before the job is delayed: the finally's release then finds the lock no longer ours.
        throw await waitAgain(job, token, error, lock);
      }
      if (error instanceof JobAbandonedError) {
        holding = true;
        throw await abandonAttempt(job, token, error, logger);
      }
      const permanent = isPermanent(error);
      const lastAttempt = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      // An attempt that lost its lock was taken over: the job is not over, its failure is not the job's.
      const takenOver = error instanceof JobLockLostError;
      holding = takenOver;
      logger.warn(
        { err: error, jobId, attempt: job.attemptsMade + 1, permanent, lastAttempt, takenOver },
        "job attempt failed",
      );
      if (lastAttempt && !takenOver && definition.onFinalFailure !== undefined) {
        await definition.onFinalFailure(job.data, messageOf(error)).catch((cleanupError: unknown) => {
          logger.error({ err: cleanupError, jobId }, "could not record the failure of a job");
        });
      }
      if (permanent) {
        throw new UnrecoverableError(messageOf(error));
      }
      throw error;
    } finally {
      deadline.disarm();
      jobLock.untrack();
      if (workerId !== null && !holding) {
        // The job is over (or failed this attempt): the worker is free for other operations.
        await holds
          .release(workerId, jobId)
          .catch((error: unknown) => logger.warn({ err: error, jobId }, "could not release a step hold"));
      }
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
    ...(options.processName === undefined ? {} : { name: options.processName }),
  });
  worker.on("error", (error) => logger.error({ err: error }, "job worker error"));
  worker.on("completed", (job) => void publish(job, "completed"));
  worker.on("failed", (job, error) => {
    if (job !== undefined && !(error instanceof DelayedError)) {
      void publish(job, job.finishedOn === undefined ? "delayed" : "failed");
    }
    if (job !== undefined) {
      // BullMQ fails a job that stalled too often without running the processor: its final failure is ours.
      void onStalledOut(job, { definition, connection: options.connection, prefix: options.prefix, logger });
    }
  });
  worker.on("stalled", (jobId) => logger.warn({ jobId }, "job stalled; it will be run again"));
  lockKeyOf = (jobId) => `${worker.toKey(jobId)}:lock`;
  worker.on("lockRenewalFailed", (jobIds) => {
    jobLocks
      .renewalFailed(jobIds)
      .catch((error: unknown) => logger.warn({ err: error, jobIds }, "could not check lost job locks"));
  });
  if (telemetry !== undefined) {
    observeJobWorker(worker, kind, telemetry);
  }
  return worker;
}
