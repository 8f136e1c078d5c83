import { JOB_KINDS, type JobKind, jobKindOfId } from "@cml-fleet/core/domain/job";
import { ConflictError, NotFoundError } from "@cml-fleet/core/errors";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { type Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { withRedisAvailable } from "../redis/redis-availability";
import { queueName } from "./queue-definitions";

/**
 * The BullMQ states an operator looks at, in the order the queue view shows
 * them. BullMQ 6 keeps no "paused" list: a paused queue's jobs wait, and the
 * queue says it is paused (`QueueSummary.paused`).
 */
export const INSPECTED_STATES = ["waiting", "active", "delayed", "completed", "failed"] as const;
export type InspectedState = (typeof INSPECTED_STATES)[number];

export type QueueCounts = Readonly<Record<InspectedState, number>>;

/** One job kind's queue, as the queue view lists it. */
export interface QueueSummary {
  readonly kind: JobKind;
  /** BullMQ's name of the queue, e.g. cml-fleet.stop. */
  readonly name: string;
  readonly paused: boolean;
  readonly counts: QueueCounts;
}

/** A job with what BullMQ keeps of it: its data, its last error and stack traces, its result. */
export interface InspectedJob {
  readonly id: string;
  readonly kind: JobKind;
  /** BullMQ's state (waiting, active, delayed, completed, failed, prioritized, waiting-children, unknown). */
  readonly state: string;
  readonly data: unknown;
  readonly attemptsMade: number;
  readonly failedReason: string | null;
  /** One entry per failed attempt, as BullMQ keeps them. */
  readonly stacktrace: readonly string[];
  readonly returnValue: unknown;
  readonly progress: unknown;
  readonly createdAt: Date;
  readonly processedAt: Date | null;
  readonly finishedAt: Date | null;
}

/**
 * What the ADMIN queue view reads from BullMQ, and the queue-level changes
 * it makes. Retrying a job is not here: it is a request re-planned by core's
 * job command service (retryJob), never BullMQ's raw retry.
 */
export interface QueueInspector {
  summaries(): Promise<QueueSummary[]>;
  /** The jobs of one state, newest first as BullMQ orders them, `count` from `start`. */
  jobs(kind: JobKind, state: InspectedState, start: number, count: number): Promise<InspectedJob[]>;
  /** The job with a fleet job id; null for any other text or when it is gone. */
  job(id: string): Promise<InspectedJob | null>;
  /** Removes a job that is not running: NOT_FOUND when gone, CONFLICT while it is active. */
  remove(id: string): Promise<InspectedJob>;
  /** Stops (or lets again) the job processes take jobs of this kind; what is running finishes. */
  setPaused(kind: JobKind, paused: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface QueueInspectorOptions {
  readonly redisUrl: string;
  /** BullMQ key prefix (REDIS_KEY_PREFIX; tests use their own). */
  readonly prefix: string;
  readonly logger: Logger;
  /** How long a call waits for a Redis connection that is still being established. */
  readonly connectGraceMs?: number;
}

/**
 * The queue view's window on BullMQ. Its Redis connection and queues open on
 * first use, so an API whose view nobody opens holds no extra connection;
 * like the producer, it fails fast (UPSTREAM_UNAVAILABLE, after a short grace
 * for a connection being set up) while Redis is down.
 */
export function createQueueInspector(options: QueueInspectorOptions): QueueInspector {
  let connection: Redis | null = null;
  const queues = new Map<JobKind, Queue>();

  function queueOf(kind: JobKind): Queue {
    const open = queues.get(kind);
    if (open !== undefined) {
      return open;
    }
    connection ??= openConnection(options);
    const queue = new Queue(queueName(kind), { connection, prefix: options.prefix });
    queue.on("error", (error) => options.logger.warn({ err: error, queue: kind }, "queue view error"));
    queues.set(kind, queue);
    return queue;
  }

  async function find(id: string): Promise<{ job: Job; kind: JobKind } | null> {
    const kind = jobKindOfId(id);
    if (kind === null) {
      return null;
    }
    const job = await queueOf(kind).getJob(id);
    return job === undefined || job.name !== kind ? null : { job, kind };
  }

  return {
    summaries: () =>
      unavailable(() =>
        Promise.all(
          JOB_KINDS.map(async (kind): Promise<QueueSummary> => {
            const queue = queueOf(kind);
            const [counts, paused] = await Promise.all([
              queue.getJobCounts(...INSPECTED_STATES, "prioritized"),
              queue.isPaused(),
            ]);
            const count = (state: string) => counts[state] ?? 0;
            return {
              kind,
              name: queue.name,
              paused,
              counts: {
                // Prioritized jobs wait too, in a structure of their own.
                waiting: count("waiting") + count("prioritized"),
                active: count("active"),
                delayed: count("delayed"),
                completed: count("completed"),
                failed: count("failed"),
              },
            };
          }),
        ),
      ),

    jobs: (kind, state, start, count) =>
      unavailable(async () => {
        const types = state === "waiting" ? (["waiting", "prioritized"] as const) : [state];
        const found = await queueOf(kind).getJobs([...types], start, start + count - 1, false);
        return Promise.all(
          found
            .filter((job): job is Job => job !== undefined && job !== null)
            .map(async (job) => inspected(job, kind, await job.getState())),
        );
      }),

    job: (id) =>
      unavailable(async () => {
        const found = await find(id);
        return found === null ? null : inspected(found.job, found.kind, await found.job.getState());
      }),

    remove: (id) =>
      unavailable(async () => {
        const found = await find(id);
        if (found === null) {
          throw new NotFoundError("job", id);
        }
        const state = await found.job.getState();
        if (state === "active") {
          throw new ConflictError(`job ${id} is running; a running job cannot be removed`);
        }
        const before = inspected(found.job, found.kind, state);
        try {
          await found.job.remove();
        } catch (error) {
          // A job process took it between the state check and the removal (BullMQ refuses a locked job).
          throw new ConflictError(`job ${id} could not be removed: it started running`, { cause: error });
        }
        return before;
      }),

    setPaused: (kind, paused) => unavailable(() => (paused ? queueOf(kind).pause() : queueOf(kind).resume())),

    async close(): Promise<void> {
      await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
      const open = connection;
      connection = null;
      await open?.quit().catch(() => open.disconnect());
    },
  };

  function unavailable<T>(work: () => Promise<T>): Promise<T> {
    connection ??= openConnection(options);
    return withRedisAvailable(connection, options.connectGraceMs, work);
  }
}

function openConnection(options: QueueInspectorOptions): Redis {
  // No offline queue: a command while Redis is away fails at once instead of waiting for it.
  const connection = new Redis(options.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: "cml-fleet-queue-view",
  });
  connection.on("error", (error) => options.logger.warn({ err: error }, "queue view connection error"));
  return connection;
}

function inspected(job: Job, kind: JobKind, state: string): InspectedJob {
  return {
    id: job.id ?? "",
    kind,
    state,
    data: job.data,
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason === undefined || job.failedReason === "" ? null : job.failedReason,
    stacktrace: job.stacktrace ?? [],
    returnValue: job.returnvalue ?? null,
    progress: job.progress ?? null,
    createdAt: new Date(job.timestamp),
    processedAt: job.processedOn === undefined ? null : new Date(job.processedOn),
    finishedAt: job.finishedOn === undefined ? null : new Date(job.finishedOn),
  };
}
