import type { FleetEvent } from "../domain/fleet-event";
import type { NewNotificationChannel, NotificationChannel } from "../domain/notification-channel";

/** A channel as the delivery job reads it: with its secret, which no other reader gets. */
export interface DeliverableChannel extends NotificationChannel {
  readonly secret: string | null;
}

/** One (channel, event) pair the relay has recorded and a delivery job must carry out. */
export interface PendingDelivery {
  readonly channelId: string;
  readonly eventId: number;
}

export type DeliveryState = "pending" | "delivered" | "failed";

/** What a delivery job needs: the delivery, its channel and its event (null when gone). */
export interface DeliveryWork {
  /** The id the receiver sees (X-Cml-Fleet-Delivery): made once, the same on every attempt. */
  readonly deliveryId: string;
  readonly state: DeliveryState;
  readonly channel: DeliverableChannel | null;
  readonly event: FleetEvent | null;
  readonly workerName: string | null;
}

export interface RelayStep {
  /** Events read after the cursor (0: the relay has caught up). */
  readonly scanned: number;
  /** Deliveries recorded for them. */
  readonly recorded: number;
}

/**
 * Notification channels and their deliveries (Postgres). The events table is
 * the source of truth: `relayStep` turns the events after a durable cursor
 * into delivery rows and moves the cursor in one transaction, so a crash
 * either does both or neither.
 */
export interface NotificationStore {
  listChannels(): Promise<NotificationChannel[]>;
  /** Throws a ConflictError when the name is taken. */
  createChannel(id: string, channel: NewNotificationChannel, at: Date): Promise<NotificationChannel>;
  /** Deletes the channel and its deliveries; false when there was none. */
  deleteChannel(id: string): Promise<boolean>;
  findDeliverableChannel(id: string): Promise<DeliverableChannel | null>;
  /** The last delivery's outcome on the channel: success clears lastError, a failure sets it. */
  recordChannelOutcome(
    id: string,
    outcome: { readonly at: Date; readonly error: string | null },
  ): Promise<void>;

  /**
   * Reads up to `batchSize` events after the cursor, records a pending
   * delivery for each (channel, event) that `wants` says, and moves the
   * cursor past them, in one transaction that holds the cursor's row lock
   * (so two processes never relay the same events at once).
   */
  relayStep(
    batchSize: number,
    wants: (channel: NotificationChannel, event: FleetEvent) => boolean,
    /**
     * Also look again at the events the cursor has passed that were written
     * since this instant (null: not this time): identity ids are taken at
     * insert and become visible at commit, so an event whose transaction
     * commits after a later one's is behind the cursor when it appears. The
     * delivery rows' key makes the second look add only what the first missed.
     */
    lookBackSince: Date | null,
  ): Promise<RelayStep>;
  /**
   * Pending deliveries never handed to the queue, or handed over before
   * `handedBefore` (their job may have been lost with Redis), oldest first.
   */
  pendingDeliveries(handedBefore: Date, limit: number): Promise<PendingDelivery[]>;
  markHanded(deliveries: readonly PendingDelivery[], at: Date): Promise<void>;
  findDelivery(channelId: string, eventId: number): Promise<DeliveryWork | null>;
  /** Ends a delivery (delivered or failed); a delivered one stays as it is. */
  finishDelivery(
    delivery: PendingDelivery,
    outcome: { readonly state: "delivered" | "failed"; readonly at: Date; readonly error: string | null },
  ): Promise<void>;
  /** Counts a failed attempt of a delivery not yet made and keeps its error. */
  recordAttemptFailure(delivery: PendingDelivery, error: string): Promise<void>;
}
