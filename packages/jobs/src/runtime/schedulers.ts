import { JOB_KIND_TABLE, SWEEP_KINDS, type SweepSchedule } from "@cml-fleet/core/domain/job";
import { queueName, SWEEP_JOB_OPTIONS } from "@cml-fleet/platform/queue/queue-definitions";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

/** The period of each sweep, by the schedule its row in the job-kind table names. */
export type ScheduleIntervals = { readonly [S in SweepSchedule]: number };

/**
 * Declares the repeating jobs in one place. `upsertJobScheduler` is
 * idempotent, so every job process declares them at start-up and any number
 * of processes still produce one job per period.
 */
export async function upsertSchedulers(
  connection: Redis,
  prefix: string,
  intervals: ScheduleIntervals,
): Promise<void> {
  for (const kind of SWEEP_KINDS) {
    const queue = new Queue(queueName(kind), { connection, prefix });
    try {
      await queue.upsertJobScheduler(
        kind,
        { every: intervals[JOB_KIND_TABLE[kind].sweep.every] },
        { name: kind, data: {}, opts: SWEEP_JOB_OPTIONS },
      );
    } finally {
      await queue.close();
    }
  }
}
