import type { NotificationQueue } from "@cml-fleet/core/ports/notification-queue.port";
import type { PendingDelivery } from "@cml-fleet/core/ports/notification-store.port";
import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { jobTraceOptions } from "../observability/job-trace-context";
import { type JobRetryPolicy, queueName } from "./queue-definitions";

/** The job id of a delivery: the same (channel, event) always makes the same id, so BullMQ adds it once. */
export function notifyJobId(delivery: PendingDelivery): string {
  return `notify.${delivery.channelId}.${delivery.eventId}`;
}

/**
 * A delivery is retried with exponential backoff (NOTIFY_ATTEMPTS,
 * NOTIFY_RETRY_BACKOFF). Finished jobs are kept a day (failed a week), so
 * that handing the same delivery over again meanwhile adds nothing.
 */
export function notifyJobOptions(retry: JobRetryPolicy): JobsOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: "exponential", delay: retry.backoffMs },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** The NotificationQueue over BullMQ's `notify` queue; the caller owns the connection. */
export function createBullmqNotificationQueue(options: {
  readonly connection: Redis;
  readonly prefix: string;
  readonly retry: JobRetryPolicy;
}): NotificationQueue & { close(): Promise<void> } {
  const queue = new Queue(queueName("notify"), { connection: options.connection, prefix: options.prefix });
  const opts = notifyJobOptions(options.retry);
  return {
    async hand(deliveries) {
      if (deliveries.length === 0) {
        return;
      }
      // Payload holds ids only: the secret is read from Postgres by the job.
      const traced = jobTraceOptions();
      await queue.addBulk(
        deliveries.map((delivery) => ({
          name: "notify",
          data: { channelId: delivery.channelId, eventId: delivery.eventId },
          opts: { ...opts, ...traced, jobId: notifyJobId(delivery) },
        })),
      );
    },
    async close() {
      await queue.close();
    },
  };
}
