import type { FleetEvent } from "../domain/fleet-event";
import { channelWants, type NotificationChannel } from "../domain/notification-channel";
import type { Clock } from "../ports/clock.port";
import type { NotificationQueue } from "../ports/notification-queue.port";
import type { NotificationStore } from "../ports/notification-store.port";

export interface NotificationRelayDeps {
  readonly store: Pick<NotificationStore, "relayStep" | "pendingDeliveries" | "markHanded">;
  readonly queue: NotificationQueue;
  readonly clock: Clock;
}

export interface NotificationRelayConfig {
  /** Events read per transaction. */
  readonly batchSize: number;
  /** Transactions per pass at most (a long backlog is caught up over several passes). */
  readonly maxSteps: number;
  /** A pending delivery handed over this long ago is handed over again: its job may have gone with Redis. */
  readonly rehandAfterMs: number;
  /** Pending deliveries handed over per pass at most. */
  readonly handLimit: number;
  /** How far back the look at events committed late reaches (far beyond any transaction's life). */
  readonly lookBackMs: number;
  /** How often a pass takes that look (not every pass: passes run on every published event). */
  readonly lookBackEveryMs: number;
}

export const DEFAULT_RELAY_CONFIG: NotificationRelayConfig = {
  batchSize: 500,
  maxSteps: 20,
  rehandAfterMs: 60_000,
  handLimit: 1_000,
  lookBackMs: 2 * 60_000,
  lookBackEveryMs: 10_000,
};

/**
 * A channel takes the events of the types it asked for, from its creation
 * on: a new channel is not flooded with the fleet's history.
 */
export function relayWants(channel: NotificationChannel, event: FleetEvent): boolean {
  return event.at.getTime() >= channel.createdAt.getTime() && channelWants(channel, event.type);
}

/**
 * Moves fleet events to the notification channels, at least once, whatever
 * crashes. Step 1 (Postgres, one transaction): events after the durable
 * cursor become pending delivery rows, and the cursor moves past them. Step
 * 2: every pending row not handed to the queue lately is handed over under
 * its deterministic job id. A crash between the steps leaves rows pending,
 * which the next pass hands over; a crash inside step 2 hands some twice,
 * which the job id collapses; Redis lost with its jobs leaves rows pending,
 * handed over again after `rehandAfterMs`. A row ends when its job delivers
 * it or gives up.
 */
export function createNotificationRelay(deps: NotificationRelayDeps, config = DEFAULT_RELAY_CONFIG) {
  let lookedBackAt = Number.NEGATIVE_INFINITY;
  return {
    async relayOnce(): Promise<{ readonly recorded: number; readonly handed: number }> {
      let recorded = 0;
      const started = deps.clock.now().getTime();
      const lookBack = started - lookedBackAt >= config.lookBackEveryMs;
      for (let step = 0; step < config.maxSteps; step++) {
        const done = await deps.store.relayStep(
          config.batchSize,
          relayWants,
          lookBack && step === 0 ? new Date(started - config.lookBackMs) : null,
        );
        if (lookBack && step === 0) {
          lookedBackAt = started;
        }
        recorded += done.recorded;
        if (done.scanned < config.batchSize) {
          break;
        }
      }
      const now = deps.clock.now();
      const pending = await deps.store.pendingDeliveries(
        new Date(now.getTime() - config.rehandAfterMs),
        config.handLimit,
      );
      if (pending.length > 0) {
        await deps.queue.hand(pending);
        await deps.store.markHanded(pending, now);
      }
      return { recorded, handed: pending.length };
    },
  };
}

export type NotificationRelay = ReturnType<typeof createNotificationRelay>;
