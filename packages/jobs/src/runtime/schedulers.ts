import { JOB_KIND_TABLE, SWEEP_KINDS, type SweepKind, type SweepSchedule } from "@cml-fleet/core/domain/job";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { missingSchedules, readSchedulePresence } from "@cml-fleet/platform/queue/job-worker-health";
import { queueName, SWEEP_JOB_OPTIONS } from "@cml-fleet/platform/queue/queue-definitions";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

/** The period of each sweep, by the schedule its row in the job-kind table names. */
export type ScheduleIntervals = { readonly [S in SweepSchedule]: number };

export interface ScheduleKeeper {
  /** Declares every sweep's schedule (at start-up: a changed interval takes effect). */
  declareAll(): Promise<void>;
  /**
   * Declares again the schedules Redis no longer has (one round trip when
   * none is missing); answers the kinds it declared.
   */
  heal(): Promise<SweepKind[]>;
  close(): Promise<void>;
}

/**
 * Keeps the repeating jobs declared. `upsertJobScheduler` is idempotent, so
 * every job process declares them at start-up, and any number of processes
 * still produce one job per period. Schedules live only in Redis: a Redis
 * that restarts empty (or is flushed, or fails over to an empty replica) has
 * none, so each heartbeat `heal`s them, and the sweeps resume within a beat
 * without a restart. Declaring only the missing ones leaves a present
 * schedule's next run where it is.
 */
export function createScheduleKeeper(
  connection: Redis,
  prefix: string,
  intervals: ScheduleIntervals,
  logger: Logger,
): ScheduleKeeper {
  const queues = new Map<SweepKind, Queue>();
  const queueOf = (kind: SweepKind): Queue => {
    let queue = queues.get(kind);
    if (queue === undefined) {
      queue = new Queue(queueName(kind), { connection, prefix });
      queues.set(kind, queue);
    }
    return queue;
  };
  const declare = async (kind: SweepKind) => {
    await queueOf(kind).upsertJobScheduler(
      kind,
      { every: intervals[JOB_KIND_TABLE[kind].sweep.every] },
      { name: kind, data: {}, opts: SWEEP_JOB_OPTIONS },
    );
  };
  return {
    async declareAll() {
      for (const kind of SWEEP_KINDS) {
        await declare(kind);
      }
    },
    async heal() {
      const missing = missingSchedules(await readSchedulePresence(connection, prefix));
      for (const kind of missing) {
        await declare(kind);
      }
      if (missing.length > 0) {
        logger.warn(
          { kinds: missing },
          "sweep schedules were missing from Redis (it lost its data?); declared again",
        );
      }
      return missing;
    },
    async close() {
      await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
      queues.clear();
    },
  };
}
