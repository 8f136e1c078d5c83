import { randomUUID } from "node:crypto";
import { createHttpWebhookSender } from "@cml-fleet/core/adapters/webhook/http-webhook-sender";
import { describeActor } from "@cml-fleet/core/domain/actor";
import type { JobPayloads } from "@cml-fleet/core/domain/job";
import { systemClock } from "@cml-fleet/core/ports/clock.port";
import { createNotificationDeliveryService } from "@cml-fleet/core/services/notification-delivery.service";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { createNotificationRepository } from "@cml-fleet/platform/repositories/notification.repository";
import { type Job, Worker as QueueWorker } from "bullmq";
import { Redis } from "ioredis";
import { TEST_REDIS_URL } from "../../../../platform/test/support/test-redis";
import type { TestFleet } from "./test-fleet";

/**
 * Runs the notify-test queue as the jobs package's processor does (that
 * package depends on this one, not the other way round): core's delivery
 * service with the real HTTP sender, from the fleet's settings.
 */
export function startNotifyTestProcessor(fleet: TestFleet): { close(): Promise<void> } {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const delivery = createNotificationDeliveryService({
    store: createNotificationRepository(fleet.db.db),
    sender: createHttpWebhookSender({ timeoutMs: fleet.settings.notify.deliveryTimeoutMs }),
    clock: systemClock,
    logger: silentLogger,
    newId: randomUUID,
    allowHttp: fleet.settings.notify.allowHttp,
  });
  const processor = new QueueWorker(
    queueName("notify-test"),
    (job: Job<JobPayloads["notify-test"]>) =>
      delivery.sendTest(job.data.channelId, describeActor(job.data.actor)),
    { connection, prefix: fleet.prefix },
  );
  return {
    async close() {
      await processor.close();
      await connection.quit();
    },
  };
}
