import type { PendingDelivery } from "./notification-store.port";

/**
 * Hands deliveries to the delivery queue. Each gets the job id
 * `notify.<channelId>.<eventId>`, so handing one over again while its job is
 * queued, retrying or kept after finishing adds nothing.
 */
export interface NotificationQueue {
  hand(deliveries: readonly PendingDelivery[]): Promise<void>;
}
