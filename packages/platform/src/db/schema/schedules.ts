import type { ScheduleWindow } from "@cml-fleet/core/domain/schedule";
import { boolean, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { timestamps } from "./columns";

/**
 * Schedules (core's Schedule): weekly windows in an IANA time zone, with
 * closed dates. Windows and closed dates are only ever read whole, so they
 * are jsonb. Workers point at a schedule by `workers.schedule_id`, without a
 * foreign key for the reason given in events.ts (migrations run into isolated
 * schemas); the repository refuses to delete a schedule that workers are on.
 */
export const schedules = pgTable("schedules", {
  id: uuid().primaryKey(),
  name: text().notNull().unique("schedules_name_unique"),
  timeZone: text().notNull(),
  windows: jsonb().$type<ScheduleWindow[]>().notNull(),
  closedDates: jsonb().$type<string[]>().notNull().default([]),
  readyAtStart: boolean().notNull().default(false),
  ...timestamps(),
});

export type ScheduleRow = typeof schedules.$inferSelect;
