import type { FleetEvent, NewFleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { Schedule } from "@cml-fleet/core/domain/schedule";
import { ConflictError } from "@cml-fleet/core/errors";
import type { ScheduleStore, ScheduleWrite, StartHistory } from "@cml-fleet/core/ports/schedule-store.port";
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { fleetEvents } from "../db/schema/events";
import { type ScheduleRow, schedules } from "../db/schema/schedules";
import { workers } from "../db/schema/workers";
import { insertAuditEntries } from "./audit.repository";
import { isUniqueViolation } from "./database-errors";
import { toEventRow, toFleetEvent } from "./worker-row.mapper";

export function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    name: row.name,
    timeZone: row.timeZone,
    windows: row.windows,
    closedDates: row.closedDates,
    readyAtStart: row.readyAtStart,
  };
}

/** The rows of a raw statement's result, as node-postgres and PGlite both give them. */
/** A schedule's spec (all but its id and name) as the columns that hold it, copied out of the domain's arrays. */
function specColumns(spec: Omit<Schedule, "id" | "name">) {
  return {
    timeZone: spec.timeZone,
    windows: spec.windows.map((window) => ({ ...window, days: [...window.days] })),
    closedDates: [...spec.closedDates],
    readyAtStart: spec.readyAtStart,
  };
}

function rowsOf(result: unknown): readonly unknown[] {
  return typeof result === "object" && result !== null && "rows" in result && Array.isArray(result.rows)
    ? result.rows
    : [];
}

/** How far back starts are learned from (and the events index on `at` bounds the scan). */
const HISTORY_DAYS = 90;

/** Starts that took longer than this are not starts the fleet waited for (a stuck one, a stop in between). */
const LONGEST_START_SECONDS = 3 * 3600;

/**
 * Schedules in Postgres, and the start history learned lead times come
 * from. Each change writes its events and audit rows in its transaction.
 */
export function createScheduleRepository(db: Db): ScheduleStore & StartHistory {
  async function record(executor: Db, write: ScheduleWrite): Promise<FleetEvent[]> {
    await insertAuditEntries(executor, write.audit);
    if (write.events.length === 0) {
      return [];
    }
    const rows = await executor
      .insert(fleetEvents)
      .values(write.events.map((event: NewFleetEvent) => toEventRow(event)))
      .returning();
    return rows.map(toFleetEvent);
  }

  function nameTaken(name: string, error: unknown): never {
    if (isUniqueViolation(error, "schedules_name_unique")) {
      throw new ConflictError(`a schedule named ${name} already exists`);
    }
    throw error;
  }

  return {
    async list() {
      const rows = await db.select().from(schedules).orderBy(asc(schedules.name), asc(schedules.id));
      return rows.map(toSchedule);
    },

    async findById(id) {
      const [row] = await db.select().from(schedules).where(eq(schedules.id, id));
      return row === undefined ? null : toSchedule(row);
    },

    async findByIds(ids) {
      if (ids.length === 0) {
        return [];
      }
      const rows = await db
        .select()
        .from(schedules)
        .where(inArray(schedules.id, [...ids]));
      return rows.map(toSchedule);
    },

    async create(schedule, write) {
      try {
        return await db.transaction(async (tx) => {
          const [row] = await tx
            .insert(schedules)
            .values({ id: schedule.id, name: schedule.name, ...specColumns(schedule) })
            .returning();
          if (row === undefined) {
            throw new Error("schedule insert returned no row");
          }
          return { schedule: toSchedule(row), events: await record(tx, write) };
        });
      } catch (error) {
        return nameTaken(schedule.name, error);
      }
    },

    async update(id, change, write) {
      try {
        return await db.transaction(async (tx) => {
          const [row] = await tx
            .update(schedules)
            .set({ name: change.name, ...specColumns(change.spec), updatedAt: sql`now()` })
            .where(eq(schedules.id, id))
            .returning();
          if (row === undefined) {
            return null;
          }
          return { schedule: toSchedule(row), events: await record(tx, write) };
        });
      } catch (error) {
        return nameTaken(change.name, error);
      }
    },

    async delete(id, write) {
      return db.transaction(async (tx) => {
        // Lock the row first, so that a worker put on it meanwhile is counted (setWorkerSchedule reads it under share).
        const [row] = await tx.select().from(schedules).where(eq(schedules.id, id)).for("update");
        if (row === undefined) {
          return { deleted: false, events: [] };
        }
        const [attached] = await tx
          .select({ count: sql<number>`count(*)::int` })
          .from(workers)
          .where(and(eq(workers.scheduleId, id), ne(workers.status, "TERMINATED")));
        const count = attached?.count ?? 0;
        if (count > 0) {
          throw new ConflictError(
            `schedule ${row.name} has ${count} worker(s) on it: take them off it first (setWorkerSchedule with scheduleId null)`,
          );
        }
        // Terminated workers keep no pointer to a schedule that is gone.
        await tx.update(workers).set({ scheduleId: null }).where(eq(workers.scheduleId, id));
        await tx.delete(schedules).where(eq(schedules.id, id));
        return { deleted: true, events: await record(tx, write) };
      });
    },

    async workerIdsOf(scheduleIds) {
      const result = new Map<string, string[]>(scheduleIds.map((id) => [id, []]));
      if (scheduleIds.length === 0) {
        return result;
      }
      const rows = await db
        .select({ id: workers.id, scheduleId: workers.scheduleId })
        .from(workers)
        .where(and(inArray(workers.scheduleId, [...scheduleIds]), ne(workers.status, "TERMINATED")))
        .orderBy(asc(workers.name), asc(workers.id));
      for (const row of rows) {
        if (row.scheduleId !== null) {
          result.get(row.scheduleId)?.push(row.id);
        }
      }
      return result;
    },

    async startDurations(region, instanceType, limit) {
      // Each start asked in the last 90 days (operation_requested, operation start) to the first AVAILABLE after it,
      // with no other operation asked in between; the most recent first.
      const result: unknown = await db.execute(sql`
        select (extract(epoch from (ready.at - asked.at)) * 1000)::float8 as ms
        from ${fleetEvents} asked
        join ${workers} w on w.id = asked.worker_id
        cross join lateral (
          select e.at from ${fleetEvents} e
          where e.worker_id = asked.worker_id and e.type = 'worker.service_status_changed'
            and e.data->>'to' = 'AVAILABLE' and e.at > asked.at
          order by e.at limit 1
        ) ready
        where asked.at > now() - make_interval(days => ${HISTORY_DAYS})
          and asked.type = 'worker.operation_requested' and asked.data->>'operation' = 'start'
          and w.region = ${region} and w.instance_type = ${instanceType}
          and ready.at - asked.at < make_interval(secs => ${LONGEST_START_SECONDS})
          and not exists (
            select 1 from ${fleetEvents} other
            where other.worker_id = asked.worker_id and other.type = 'worker.operation_requested'
              and other.at > asked.at and other.at < ready.at
          )
        order by asked.at desc
        limit ${limit}
      `);
      return rowsOf(result).flatMap((row) => {
        const ms = typeof row === "object" && row !== null && "ms" in row ? Number(row.ms) : Number.NaN;
        return Number.isFinite(ms) ? [ms] : [];
      });
    },
  };
}
