import { randomUUID } from "node:crypto";
import {
  JOB_KINDS,
  type JobInfo,
  type JobKind,
  type JobPayloads,
  type JobRequest,
  jobKindOfId,
} from "@cml-fleet/core/domain/job";
import { ConflictError, NotFoundError, UpstreamUnavailableError } from "@cml-fleet/core/errors";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type {
  AnyJobRequest,
  JobListFilter,
  JobQueue,
  JobWithRequest,
} from "@cml-fleet/core/ports/job-queue.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { type Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { jobTraceOptions, linkActiveSpanToJob } from "../observability/job-trace-context";
import { withRedisAvailable } from "../redis/redis-availability";
import { readJobs } from "./job-batch-read";
import { resultOf, toJobInfo } from "./job-info";
import { listJobPage } from "./job-list-page";
import { type JobRetryPolicy, jobIdFor, jobOptions, queueName } from "./queue-definitions";

export interface BullmqJobQueueOptions {
  readonly redisUrl: string;
  /** BullMQ key prefix; tests use their own. */
  readonly prefix: string;
  readonly retry: JobRetryPolicy;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  /** How often `waitForResult` looks at the job. */
  readonly pollIntervalMs?: number;
  /** How long a call waits for a Redis connection that is still being established. */
  readonly connectGraceMs?: number;
}

export interface BullmqJobQueue extends JobQueue {
  close(): Promise<void>;
}

const FINISHED = new Set(["completed", "failed"]);

/**
 * The producer side of the job queues. Producers fail fast when Redis is
 * down (no offline queue) so an API request gets UPSTREAM_UNAVAILABLE instead
 * of hanging; the workers are the ones that wait for Redis to come back.
 */
export function createBullmqJobQueue(options: BullmqJobQueueOptions): BullmqJobQueue {
  const connection = new Redis(options.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: "cml-fleet-producer",
  });
  connection.on("error", (error) => options.logger.warn({ err: error }, "job queue connection error"));
  const queues = new Map<JobKind, Queue>(
    JOB_KINDS.map((kind) => {
      const queue = new Queue(queueName(kind), { connection, prefix: options.prefix });
      queue.on("error", (error) => options.logger.warn({ err: error, queue: kind }, "job queue error"));
      return [kind, queue];
    }),
  );
  const defaults = jobOptions(options.retry);

  function queueOf(kind: JobKind): Queue {
    const queue = queues.get(kind);
    if (queue === undefined) {
      throw new Error(`no queue for job kind ${kind}`);
    }
    return queue;
  }

  async function info(job: Job, kind: JobKind): Promise<JobInfo> {
    return toJobInfo(job, await job.getState(), kind);
  }

  /**
   * The job with this id, looked up in its kind's queue only. An id the
   * fleet does not make names no job: BullMQ keeps its own hashes beside the
   * jobs (`meta`, `id`, `events` ...), and `getJob` would read one as a job.
   */
  async function find(id: string): Promise<{ job: Job; kind: JobKind } | null> {
    const kind = jobKindOfId(id);
    if (kind === null) {
      return null;
    }
    const job = await queueOf(kind).getJob(id);
    // A job of another kind cannot sit in this queue, but the name says for sure.
    return job === undefined || job.name !== kind ? null : { job, kind };
  }

  /**
   * The request a stored job carries. Its data is what `enqueue` stored for
   * this kind (only the fleet writes to its queues), as the processors also take it.
   */
  function requestOf(job: Job, kind: JobKind): AnyJobRequest {
    return { kind, payload: job.data } as AnyJobRequest;
  }

  function unavailable<T>(work: () => Promise<T>): Promise<T> {
    return withRedisAvailable(connection, options.connectGraceMs, work);
  }

  return {
    enqueue<K extends JobKind>(kind: K, payload: JobPayloads[K]): Promise<JobInfo> {
      return unavailable(async () => {
        const queue = queueOf(kind);
        const jobId = jobIdFor(kind, payload) ?? `${kind}.${randomUUID()}`;
        const existing = await queue.getJob(jobId);
        if (existing !== undefined) {
          const state = await existing.getState();
          if (!FINISHED.has(state)) {
            // This request joins the job: its span links to the trace the job runs in.
            linkActiveSpanToJob(existing.opts);
            return toJobInfo(existing, state, kind);
          }
          // A finished job of the same operation is history; a new request starts anew.
          await existing.remove();
        }
        // The job's span will be a child of the caller's (the request's, or the sweep's that fans it out).
        const job = await queue.add(kind, payload, { ...defaults, ...jobTraceOptions(), jobId });
        const added = await info(job, kind);
        await options.publisher.jobUpdated(added).catch((error: unknown) => {
          options.logger.warn({ err: error, jobId }, "could not publish a new job");
        });
        return added;
      });
    },

    get(id: string): Promise<JobInfo | null> {
      return unavailable(async () => {
        const found = await find(id);
        return found === null ? null : info(found.job, found.kind);
      });
    },

    getMany(ids: readonly string[]): Promise<Map<string, JobInfo>> {
      return unavailable(() => readJobs({ queueOf, redis: connection }, ids));
    },

    getWithRequest(id: string): Promise<JobWithRequest | null> {
      return unavailable(async () => {
        const found = await find(id);
        return found === null
          ? null
          : { info: await info(found.job, found.kind), request: requestOf(found.job, found.kind) };
      });
    },

    list(filter: JobListFilter): Promise<JobInfo[]> {
      return unavailable(() => listJobPage({ queueOf, info, redis: connection }, filter));
    },

    retry<K extends JobKind>(id: string, request?: JobRequest<K>): Promise<JobInfo> {
      return unavailable(async () => {
        const found = await find(id);
        if (found === null) {
          throw new NotFoundError("job", id);
        }
        if (request !== undefined && request.kind !== found.kind) {
          throw new ConflictError(`job ${id} is a ${found.kind} job, not ${request.kind}`);
        }
        const state = await found.job.getState();
        if (state !== "failed") {
          throw new ConflictError(`job ${id} is ${state}, not failed; only failed jobs can be retried`);
        }
        if (request !== undefined) {
          await found.job.updateData(request.payload);
        }
        try {
          await found.job.retry("failed", { resetAttemptsMade: true });
        } catch (error) {
          // Another retry may have moved it between the state check and ours.
          if ((await found.job.getState()) !== "failed") {
            throw new ConflictError(`job ${id} is no longer failed; it is being retried already`, {
              cause: error,
            });
          }
          throw error;
        }
        // The job keeps the trace it was made in; the retrying request's span links to it.
        linkActiveSpanToJob(found.job.opts);
        const retried = await info(found.job, found.kind);
        await options.publisher.jobUpdated(retried).catch(() => {});
        return retried;
      });
    },

    async waitForResult(id: string, timeoutMs: number): Promise<unknown> {
      const deadline = Date.now() + timeoutMs;
      const interval = options.pollIntervalMs ?? 100;
      for (;;) {
        const found = await unavailable(() => find(id));
        if (found === null) {
          throw new NotFoundError("job", id);
        }
        const state = await found.job.getState();
        if (FINISHED.has(state)) {
          // Read again: the copy fetched before the state check may predate the result.
          const job = (await unavailable(() => find(id)))?.job ?? found.job;
          if (state === "completed") {
            return resultOf(job);
          }
          throw new ConflictError(`job ${id} failed: ${job.failedReason ?? "unknown reason"}`);
        }
        if (Date.now() >= deadline) {
          throw new UpstreamUnavailableError("queue", `job ${id} did not finish within ${timeoutMs} ms`, {
            retryable: true,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, interval));
      }
    },

    async close(): Promise<void> {
      await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
