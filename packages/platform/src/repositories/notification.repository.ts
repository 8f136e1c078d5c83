import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type {
  NewNotificationChannel,
  NotificationChannel,
} from "@cml-fleet/core/domain/notification-channel";
import { ConflictError, UpstreamUnavailableError } from "@cml-fleet/core/errors";
import type {
  DeliverableChannel,
  NotificationStore,
  PendingDelivery,
} from "@cml-fleet/core/ports/notification-store.port";
import { and, asc, eq, gt, gte, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { fleetEvents } from "../db/schema/events";
import {
  type NotificationChannelRow,
  notificationChannels,
  notificationDeliveries,
  notificationRelayCursor,
} from "../db/schema/notifications";
import { workers } from "../db/schema/workers";
import { isUniqueViolation } from "./database-errors";
import { toFleetEvent } from "./worker-row.mapper";

const CURSOR = "fleet_events";

/** Every column a reader may see: not the secret. */
const channelSelection = {
  id: notificationChannels.id,
  name: notificationChannels.name,
  url: notificationChannels.url,
  format: notificationChannels.format,
  events: notificationChannels.events,
  enabled: notificationChannels.enabled,
  signed: sql<boolean>`${notificationChannels.secret} is not null`,
  lastDeliveryAt: notificationChannels.lastDeliveryAt,
  lastError: notificationChannels.lastError,
  createdAt: notificationChannels.createdAt,
};

type ChannelView = Omit<NotificationChannelRow, "secret"> & { signed: boolean };

function toChannel(row: ChannelView): NotificationChannel {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    format: row.format,
    events: row.events,
    enabled: row.enabled,
    signed: row.signed,
    lastDeliveryAt: row.lastDeliveryAt,
    lastError: row.lastError,
    createdAt: row.createdAt,
  };
}

/** Keeps an upstream's words short enough to show in a list. */
function bounded(error: string): string {
  return error.length > 500 ? `${error.slice(0, 499)}…` : error;
}

/** The SQLSTATE of a failed statement, without the statement or its parameters. */
function sqlState(error: unknown): string {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if ("code" in current && typeof current.code === "string") {
      return `SQLSTATE ${current.code}`;
    }
  }
  return "no answer from the database";
}

function deliveryKey(delivery: PendingDelivery) {
  return and(
    eq(notificationDeliveries.channelId, delivery.channelId),
    eq(notificationDeliveries.eventId, delivery.eventId),
  );
}

export function createNotificationRepository(db: Db): NotificationStore {
  async function findDeliverableChannel(id: string): Promise<DeliverableChannel | null> {
    const [row] = await db
      .select({ ...channelSelection, secret: notificationChannels.secret })
      .from(notificationChannels)
      .where(eq(notificationChannels.id, id));
    return row === undefined ? null : { ...toChannel(row), secret: row.secret };
  }

  return {
    async listChannels() {
      const rows = await db
        .select(channelSelection)
        .from(notificationChannels)
        .orderBy(asc(notificationChannels.name));
      return rows.map(toChannel);
    },

    async createChannel(id: string, channel: NewNotificationChannel, at: Date) {
      try {
        const [row] = await db
          .insert(notificationChannels)
          .values({
            id,
            name: channel.name,
            url: channel.url,
            format: channel.format,
            events: [...channel.events],
            secret: channel.secret,
            createdAt: at,
          })
          .returning(channelSelection);
        if (row === undefined) {
          throw new Error("insert returned no row");
        }
        return toChannel(row);
      } catch (error) {
        // Drizzle's error quotes the statement's parameters, the secret among them: it is not passed on.
        if (isUniqueViolation(error, "notification_channels_name_unique")) {
          throw new ConflictError(`a notification channel named "${channel.name}" already exists`);
        }
        throw new UpstreamUnavailableError(
          "database",
          `could not store the notification channel (${sqlState(error)})`,
        );
      }
    },

    async deleteChannel(id: string) {
      return db.transaction(async (tx) => {
        const deleted = await tx
          .delete(notificationChannels)
          .where(eq(notificationChannels.id, id))
          .returning({ id: notificationChannels.id });
        await tx.delete(notificationDeliveries).where(eq(notificationDeliveries.channelId, id));
        return deleted.length > 0;
      });
    },

    findDeliverableChannel,

    async recordChannelOutcome(id, outcome) {
      await db
        .update(notificationChannels)
        .set(
          outcome.error === null
            ? { lastDeliveryAt: outcome.at, lastError: null }
            : { lastError: bounded(outcome.error) },
        )
        .where(eq(notificationChannels.id, id));
    },

    async relayStep(batchSize, wants, lookBackSince) {
      return db.transaction(async (tx) => {
        // The first pass starts at the events written since the first channel (or now): no history flood.
        await tx
          .insert(notificationRelayCursor)
          .values({
            name: CURSOR,
            lastEventId: sql`(select coalesce(max(${fleetEvents.id}), 0) from ${fleetEvents} where ${fleetEvents.at} < coalesce((select min(${notificationChannels.createdAt}) from ${notificationChannels}), now()))`,
          })
          .onConflictDoNothing();
        const [cursor] = await tx
          .select({ lastEventId: notificationRelayCursor.lastEventId })
          .from(notificationRelayCursor)
          .where(eq(notificationRelayCursor.name, CURSOR))
          .for("update");
        const after = cursor?.lastEventId ?? 0;
        const channels = (await tx.select(channelSelection).from(notificationChannels)).map(toChannel);
        const fresh = await tx
          .select()
          .from(fleetEvents)
          .where(gt(fleetEvents.id, after))
          .orderBy(asc(fleetEvents.id))
          .limit(batchSize);
        // Past the batch read, in the same transaction as what was recorded of it.
        const advanceCursor = async () => {
          const last = fresh.at(-1)?.id;
          if (last !== undefined) {
            await tx
              .update(notificationRelayCursor)
              .set({ lastEventId: last, updatedAt: new Date() })
              .where(eq(notificationRelayCursor.name, CURSOR));
          }
        };
        if (channels.length === 0) {
          await advanceCursor();
          return { scanned: fresh.length, recorded: 0 };
        }
        const late =
          lookBackSince === null
            ? []
            : await tx
                .select()
                .from(fleetEvents)
                .where(and(lte(fleetEvents.id, after), gte(fleetEvents.at, lookBackSince)))
                .orderBy(asc(fleetEvents.id));
        const pairs: { channelId: string; eventId: number }[] = [];
        for (const row of [...late, ...fresh]) {
          const event: FleetEvent = toFleetEvent(row);
          for (const channel of channels) {
            if (wants(channel, event)) {
              pairs.push({ channelId: channel.id, eventId: row.id });
            }
          }
        }
        let recorded = 0;
        for (let start = 0; start < pairs.length; start += 500) {
          const inserted = await tx
            .insert(notificationDeliveries)
            .values(pairs.slice(start, start + 500))
            .onConflictDoNothing()
            .returning({ eventId: notificationDeliveries.eventId });
          recorded += inserted.length;
        }
        await advanceCursor();
        return { scanned: fresh.length, recorded };
      });
    },

    async pendingDeliveries(handedBefore, limit) {
      return db
        .select({ channelId: notificationDeliveries.channelId, eventId: notificationDeliveries.eventId })
        .from(notificationDeliveries)
        .where(
          and(
            eq(notificationDeliveries.state, "pending"),
            or(isNull(notificationDeliveries.handedAt), lt(notificationDeliveries.handedAt, handedBefore)),
          ),
        )
        .orderBy(asc(notificationDeliveries.createdAt), asc(notificationDeliveries.eventId))
        .limit(limit);
    },

    async markHanded(deliveries, at) {
      for (const delivery of deliveries) {
        await db
          .update(notificationDeliveries)
          .set({ handedAt: at })
          .where(and(deliveryKey(delivery), ne(notificationDeliveries.state, "delivered")));
      }
    },

    async findDelivery(channelId, eventId) {
      const [delivery] = await db
        .select({ deliveryId: notificationDeliveries.deliveryId, state: notificationDeliveries.state })
        .from(notificationDeliveries)
        .where(deliveryKey({ channelId, eventId }));
      if (delivery === undefined) {
        return null;
      }
      const channel = await findDeliverableChannel(channelId);
      const [eventRow] = await db.select().from(fleetEvents).where(eq(fleetEvents.id, eventId));
      const event = eventRow === undefined ? null : toFleetEvent(eventRow);
      let workerName: string | null = null;
      if (event?.workerId != null) {
        const [worker] = await db
          .select({ name: workers.name })
          .from(workers)
          .where(eq(workers.id, event.workerId));
        workerName = worker?.name ?? null;
      }
      return { deliveryId: delivery.deliveryId, state: delivery.state, channel, event, workerName };
    },

    async finishDelivery(delivery, outcome) {
      await db
        .update(notificationDeliveries)
        .set({
          state: outcome.state,
          finishedAt: outcome.at,
          lastError: outcome.error === null ? null : bounded(outcome.error),
        })
        .where(and(deliveryKey(delivery), ne(notificationDeliveries.state, "delivered")));
    },

    async recordAttemptFailure(delivery, error) {
      await db
        .update(notificationDeliveries)
        .set({ attempts: sql`${notificationDeliveries.attempts} + 1`, lastError: bounded(error) })
        .where(and(deliveryKey(delivery), ne(notificationDeliveries.state, "delivered")));
    },
  };
}
