import type { JobKind } from "@cml-fleet/core/domain/job";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

export interface ScheduleIntervals {
  readonly telemetrySweepMs: number;
  readonly idleCheckMs: number;
  readonly reconcileMs: number;
}

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
  const schedules: [JobKind, number][] = [
    ["telemetry-sweep", intervals.telemetrySweepMs],
    ["idle-check", intervals.idleCheckMs],
    ["reconcile", intervals.reconcileMs],
  ];
  for (const [kind, every] of schedules) {
    const queue = new Queue(queueName(kind), { connection, prefix });
    try {
      await queue.upsertJobScheduler(
        kind,
        { every },
        {
          name: kind,
          data: {},
          // A sweep that fails is simply superseded by the next one.
          opts: { attempts: 1, removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } },
        },
      );
    } finally {
      await queue.close();
    }
  }
}
