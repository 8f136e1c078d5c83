import { WORKER_OPERATION_STATES, type WorkerOperationState } from "@cml-fleet/core/domain/worker-operation";
import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { instant, sqlList } from "./columns";

/**
 * The outbox of accepted worker operations: one row per request the fleet
 * accepted (a person's mutation, a convergence re-drive), written in the
 * transaction of the intent it serves, while its job is queued. The job
 * settles it; the converge sweep queues the job again when Redis lost it.
 * `payload` is the job's (never a secret). No foreign key on `worker_id`:
 * see fleetEvents in events.ts.
 */
export const workerOperations = pgTable(
  "worker_operations",
  {
    id: text().primaryKey(),
    workerId: text().notNull(),
    kind: text().notNull(),
    jobId: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    state: text().$type<WorkerOperationState>().notNull().default("PENDING"),
    requestedAt: instant().notNull(),
    settledAt: instant(),
    redrives: integer().notNull().default(0),
  },
  (t) => [
    check("worker_operations_state_check", sql.raw(`state in (${sqlList(WORKER_OPERATION_STATES)})`)),
    // The converge sweep's scan: only the pending rows, oldest first.
    index("worker_operations_pending_idx").on(t.requestedAt).where(sql`state = 'PENDING'`),
    index().on(t.workerId, t.kind),
  ],
);

export type WorkerOperationRow = typeof workerOperations.$inferSelect;
