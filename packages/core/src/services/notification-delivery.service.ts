import { notificationUrlProblem, TEST_NOTIFICATION_TYPE } from "../domain/notification-channel";
import { notificationRequest } from "../domain/notification-message";
import type { Clock } from "../ports/clock.port";
import type { Logger } from "../ports/logger.port";
import type { NotificationStore, PendingDelivery } from "../ports/notification-store.port";
import type { WebhookSender } from "../ports/webhook-sender.port";

export interface NotificationDeliveryDeps {
  readonly store: Pick<
    NotificationStore,
    | "findDelivery"
    | "finishDelivery"
    | "recordAttemptFailure"
    | "recordChannelOutcome"
    | "findDeliverableChannel"
  >;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Ids of a test's event and delivery. */
  readonly newId: () => string;
  /** NOTIFY_ALLOW_HTTP, checked again at each delivery: a setting turned off stops http:// deliveries. */
  readonly allowHttp: boolean;
}

/** A receiver that did not answer 2xx: the job tries again after its backoff. */
export class NotificationNotDeliveredError extends Error {
  override readonly name = "NotificationNotDeliveredError";
}

/** What testNotificationChannel answers, and why not when it did not go. */
export interface TestOutcome {
  readonly delivered: boolean;
  readonly error: string | null;
}

export type DeliveryOutcome = "delivered" | "already-finished" | "gone" | "refused";

/**
 * Carries out one delivery: POSTs the event to the channel, with the
 * delivery's own id (the same on every attempt) and a signature when the
 * channel has a secret. Idempotent: a delivery already made is not sent
 * again; a channel or event gone ends it quietly.
 */
export function createNotificationDeliveryService(deps: NotificationDeliveryDeps) {
  return {
    async deliver(delivery: PendingDelivery): Promise<DeliveryOutcome> {
      const work = await deps.store.findDelivery(delivery.channelId, delivery.eventId);
      if (work === null || work.channel === null || work.event === null) {
        return "gone";
      }
      // A failed one runs again only when an ADMIN retries its job (the relay hands over pending ones only).
      if (work.state === "delivered") {
        return "already-finished";
      }
      const { channel, event } = work;
      const urlProblem = notificationUrlProblem(channel.url, { allowHttp: deps.allowHttp });
      if (!channel.enabled || urlProblem !== null) {
        const error = channel.enabled
          ? `not delivered: the channel's URL ${urlProblem}`
          : "the channel is disabled";
        await deps.store.finishDelivery(delivery, { state: "failed", at: deps.clock.now(), error });
        await deps.store.recordChannelOutcome(channel.id, { at: deps.clock.now(), error });
        return "refused";
      }
      const request = notificationRequest(
        {
          id: event.id,
          type: event.type,
          at: event.at,
          workerId: event.workerId,
          workerName: work.workerName,
          message: event.message,
          data: event.data,
        },
        channel,
        work.deliveryId,
      );
      const outcome = await deps.sender.post(channel.url, request);
      const at = deps.clock.now();
      if (outcome.ok) {
        await deps.store.finishDelivery(delivery, { state: "delivered", at, error: null });
        await deps.store.recordChannelOutcome(channel.id, { at, error: null });
        return "delivered";
      }
      await deps.store.recordAttemptFailure(delivery, outcome.error);
      await deps.store.recordChannelOutcome(channel.id, { at, error: outcome.error });
      throw new NotificationNotDeliveredError(`${channel.name}: ${outcome.error}`);
    },

    /**
     * Sends `notification.test` to the channel now (testNotificationChannel,
     * through the notify-test job): delivered when the receiver answered 2xx.
     * The outcome is the channel's last, as any delivery's.
     */
    async sendTest(channelId: string, by: string): Promise<TestOutcome> {
      const channel = await deps.store.findDeliverableChannel(channelId);
      if (channel === null) {
        return { delivered: false, error: "the channel was deleted" };
      }
      const urlProblem = notificationUrlProblem(channel.url, { allowHttp: deps.allowHttp });
      const now = deps.clock.now();
      const outcome =
        urlProblem !== null
          ? { ok: false as const, error: `not sent: the channel's URL ${urlProblem}` }
          : await deps.sender.post(
              channel.url,
              notificationRequest(
                {
                  id: deps.newId(),
                  type: TEST_NOTIFICATION_TYPE,
                  at: now,
                  workerId: null,
                  workerName: null,
                  message: `Test of notification channel ${channel.name}, sent by ${by}`,
                  data: {},
                },
                channel,
                deps.newId(),
              ),
            );
      const error = outcome.ok ? null : outcome.error;
      await deps.store.recordChannelOutcome(channel.id, { at: deps.clock.now(), error });
      return { delivered: outcome.ok, error };
    },

    /** The job gave up: the delivery is recorded as failed, and the channel says why. */
    async giveUp(delivery: PendingDelivery, reason: string): Promise<void> {
      const at = deps.clock.now();
      const error = `gave up: ${reason}`;
      await deps.store.finishDelivery(delivery, { state: "failed", at, error });
      await deps.store.recordChannelOutcome(delivery.channelId, { at, error });
      deps.logger.warn(
        { channelId: delivery.channelId, eventId: delivery.eventId },
        "a notification was not delivered",
      );
    },
  };
}

export type NotificationDeliveryService = ReturnType<typeof createNotificationDeliveryService>;
