import type { FleetEventType } from "@cml-fleet/core/domain/fleet-event";
import { WORKER_STATUSES, type WorkerStatus } from "@cml-fleet/core/domain/worker-status";
import { and, eq, inArray, or, type Placeholder, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../db/database";
import { fleetEvents } from "../db/schema/events";
import { workers } from "../db/schema/workers";
import type { CostInputs } from "./worker-read-model";

export const AUTO_STOPPED: FleetEventType = "worker.auto_stopped";

/** The events that mark a status change, and the status each one entered (see StatusHistoryEntry). */
export const STATUS_EVENT_TYPES: FleetEventType[] = [
  "worker.created",
  "worker.imported",
  "worker.status_changed",
  "worker.failed",
  "worker.terminated",
];

export const enteredStatus = sql<string | null>`case ${fleetEvents.type}
  when 'worker.created' then 'PENDING'
  when 'worker.imported' then ${fleetEvents.data} ->> 'status'
  when 'worker.status_changed' then ${fleetEvents.data} ->> 'to'
  when 'worker.failed' then 'FAILED'
  when 'worker.terminated' then 'TERMINATED'
end`;

/** The auto-stop window of the cost reads: values, or placeholders of a prepared statement. */
export interface CostWindow {
  readonly autoStopWindow: number | Placeholder;
  /** The window less one, at least 0. */
  readonly newerToSkip: number | Placeholder;
}

/** The window of the prepared statements, given by {@link autoStopWindowValues} at execution. */
export const PREPARED_COST_WINDOW: CostWindow = {
  autoStopWindow: sql.placeholder("autoStopWindow"),
  newerToSkip: sql.placeholder("newerToSkip"),
};

export function autoStopWindowValues(autoStopWindow: number) {
  return { autoStopWindow, newerToSkip: Math.max(0, autoStopWindow - 1) };
}

/** An auto-stop among its worker's latest `autoStopWindow` events (the window eventsMany reads). */
export function autoStopInWindowOf(db: Db, window: CostWindow): SQL | undefined {
  const newer = alias(fleetEvents, "newer");
  return and(
    eq(fleetEvents.type, AUTO_STOPPED),
    sql`${window.autoStopWindow}::int > 0`,
    // Fewer than `autoStopWindow` events newer than the auto-stop.
    sql`not exists (${db
      .select({ one: sql`1` })
      .from(newer)
      .where(
        and(
          eq(newer.workerId, fleetEvents.workerId),
          sql`(${newer.at}, ${newer.id}) > (${fleetEvents.at}, ${fleetEvents.id})`,
        ),
      )
      .offset(window.newerToSkip)
      .limit(1)})`,
  );
}

/** One cost event as the page's column holds it: type, instant (ISO text), the status it entered. */
export type CostEventJson = readonly [type: string, at: string, status: string | null];

/**
 * The cost inputs of the row's worker as one json column of a page of
 * workers (what costInputsMany reads for a batch), so a page that asks for
 * cost reads it in the page's own statement instead of a second one.
 */
export function costEventsColumn(db: Db, window: CostWindow) {
  // A subquery built by drizzle, so its columns are qualified where the two tables share a name (id, worker_id).
  const events = db
    .select({
      events: sql`coalesce(
        json_agg(json_build_array(${fleetEvents.type}, ${fleetEvents.at}, ${enteredStatus}) order by ${fleetEvents.at}, ${fleetEvents.id}),
        '[]'::json
      )`,
    })
    .from(fleetEvents)
    .where(
      and(
        eq(fleetEvents.workerId, workers.id),
        or(inArray(fleetEvents.type, STATUS_EVENT_TYPES), autoStopInWindowOf(db, window)),
      ),
    );
  return sql<CostEventJson[]>`(${events})`;
}

/** Adds one event, oldest first, to a worker's cost inputs. */
export function addCostEvent(inputs: CostInputs, type: string, at: Date, status: string | null): void {
  if (type === AUTO_STOPPED) {
    inputs.autoStops.push(at);
  } else if (status !== null && isWorkerStatus(status)) {
    inputs.history.push({ status, at });
  }
}

export function costInputsOfEvents(events: readonly CostEventJson[]): CostInputs {
  const inputs: CostInputs = { history: [], autoStops: [] };
  for (const [type, at, status] of events) {
    addCostEvent(inputs, type, new Date(at), status);
  }
  return inputs;
}

export function isWorkerStatus(value: string): value is WorkerStatus {
  return (WORKER_STATUSES as readonly string[]).includes(value);
}
