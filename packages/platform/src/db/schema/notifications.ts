import type { FleetEventType } from "@cml-fleet/core/domain/fleet-event";
import { NOTIFICATION_FORMATS, type NotificationFormat } from "@cml-fleet/core/domain/notification-channel";
import type { DeliveryState } from "@cml-fleet/core/ports/notification-store.port";
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { instant, sqlList } from "./columns";

/**
 * Receivers of fleet events. The secret signs deliveries (HMAC-SHA256), so
 * it is kept as given: the delivery job needs it, and no reader other than
 * the delivery job's (`findDeliverableChannel`) selects it.
 */
export const notificationChannels = pgTable(
  "notification_channels",
  {
    id: uuid().primaryKey(),
    name: text().notNull(),
    url: text().notNull(),
    format: text().$type<NotificationFormat>().notNull(),
    events: text().array().$type<FleetEventType[]>().notNull().default(sql`'{}'::text[]`),
    secret: text(),
    enabled: boolean().notNull().default(true),
    lastDeliveryAt: instant(),
    lastError: text(),
    createdAt: instant().notNull().defaultNow(),
  },
  (t) => [
    unique("notification_channels_name_unique").on(t.name),
    check("notification_channels_format_check", sql.raw(`format in (${sqlList(NOTIFICATION_FORMATS)})`)),
  ],
);

/**
 * One row per (channel, event) the relay decided to deliver: the delivery's
 * own id (the receiver's X-Cml-Fleet-Delivery), and whether it is pending,
 * delivered or failed. No foreign keys (see events.ts): a channel's rows are
 * deleted with it by the repository.
 */
export const notificationDeliveries = pgTable(
  "notification_deliveries",
  {
    channelId: uuid().notNull(),
    eventId: bigint({ mode: "number" }).notNull(),
    deliveryId: uuid().notNull().defaultRandom(),
    state: text().$type<DeliveryState>().notNull().default("pending"),
    attempts: integer().notNull().default(0),
    lastError: text(),
    createdAt: instant().notNull().defaultNow(),
    /** When the relay last handed it to the queue (null: not yet). */
    handedAt: instant(),
    finishedAt: instant(),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.eventId] }),
    check("notification_deliveries_state_check", sql.raw(`state in ('pending', 'delivered', 'failed')`)),
    // The relay looks for pending rows not handed over lately, oldest first.
    index("notification_deliveries_pending_index")
      .on(t.handedAt, t.createdAt)
      .where(sql`${t.state} = 'pending'`),
  ],
);

/** The relay's durable cursor: the last fleet event turned into deliveries (one row, `fleet_events`). */
export const notificationRelayCursor = pgTable("notification_relay_cursor", {
  name: text().primaryKey(),
  lastEventId: bigint({ mode: "number" }).notNull(),
  updatedAt: instant().notNull().defaultNow(),
});

export type NotificationChannelRow = typeof notificationChannels.$inferSelect;
