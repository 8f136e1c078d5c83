import type { Actor } from "@cml-fleet/core/domain/actor";
import type { FleetEventType } from "@cml-fleet/core/domain/fleet-event";
import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { identityId, instant } from "./columns";

/**
 * Append-only history of the fleet. The identity id orders events written in
 * the same millisecond; `worker_id` is null for fleet-wide events.
 *
 * Tables that point at a worker carry no foreign key on purpose: drizzle-kit
 * writes FK targets as "public"."workers", which would break running the same
 * migrations into an isolated schema (each test file gets its own), and worker
 * rows are never deleted (a terminated worker stays as history), so the key
 * would only guard this package's own writes while costing a lookup on every
 * telemetry insert.
 */
export const fleetEvents = pgTable(
  "fleet_events",
  {
    id: identityId(),
    workerId: text(),
    type: text().$type<FleetEventType>().notNull(),
    at: instant().notNull(),
    message: text().notNull(),
    reason: text(),
    actor: jsonb().$type<Actor>().notNull(),
    data: jsonb().$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index().on(t.workerId, t.at),
    index().on(t.at),
    // fleetSummary's savings look only at the workers the idle policy stopped.
    index("fleet_events_auto_stopped_worker_id_index")
      .on(t.workerId)
      .where(sql`${t.type} = 'worker.auto_stopped'`),
  ],
);

export type FleetEventRow = typeof fleetEvents.$inferSelect;
