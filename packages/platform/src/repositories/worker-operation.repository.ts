import type { JobKind } from "@cml-fleet/core/domain/job";
import type { NewWorkerOperation, WorkerOperationRecord } from "@cml-fleet/core/domain/worker-operation";
import type {
  UnattendedWorker,
  WorkerOperationStore,
} from "@cml-fleet/core/ports/worker-operation-store.port";
import { and, asc, eq, gt, inArray, lt, lte, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { fleetEvents } from "../db/schema/events";
import { type WorkerOperationRow, workerOperations } from "../db/schema/worker-operations";
import { workers } from "../db/schema/workers";

function toRecord(row: WorkerOperationRow): WorkerOperationRecord {
  return {
    id: row.id,
    workerId: row.workerId,
    // Only the fleet writes this table, with kinds of its job-kind table.
    kind: row.kind as JobKind,
    jobId: row.jobId,
    payload: row.payload,
    state: row.state,
    requestedAt: row.requestedAt,
    settledAt: row.settledAt,
    redrives: row.redrives,
  };
}

/** Writes an outbox row; the worker repository calls it inside the intent's transaction. */
export async function insertWorkerOperation(executor: Db, operation: NewWorkerOperation): Promise<void> {
  await executor.insert(workerOperations).values({ ...operation, payload: { ...operation.payload } });
}

/**
 * The status a desired status is reached at, and the operation that takes
 * a worker there from the status it rests in: the pairs the legacy catch of
 * the converge sweep re-drives (see listUnattended).
 */
const UNATTENDED = sql`(
  (${workers.desiredStatus} = 'RUNNING' and ${workers.status} = 'STOPPED')
  or (${workers.desiredStatus} = 'STOPPED' and ${workers.status} = 'RUNNING')
  or (${workers.desiredStatus} = 'TERMINATED' and ${workers.status} in ('RUNNING', 'STOPPED'))
)`;

export function createWorkerOperationRepository(db: Db): WorkerOperationStore {
  return {
    async findById(id) {
      const [row] = await db.select().from(workerOperations).where(eq(workerOperations.id, id));
      return row === undefined ? null : toRecord(row);
    },

    async listByWorker(workerId, limit) {
      const rows = await db
        .select()
        .from(workerOperations)
        .where(eq(workerOperations.workerId, workerId))
        .orderBy(asc(workerOperations.requestedAt), asc(workerOperations.id))
        .limit(limit);
      return rows.map(toRecord);
    },

    async settle(workerId, kind, state, at) {
      const rows = await db
        .update(workerOperations)
        .set({ state, settledAt: at })
        .where(
          and(
            eq(workerOperations.workerId, workerId),
            eq(workerOperations.kind, kind),
            eq(workerOperations.state, "PENDING"),
            lte(workerOperations.requestedAt, at),
          ),
        )
        .returning({ id: workerOperations.id });
      return rows.length;
    },

    async settleOne(id, state, at) {
      const rows = await db
        .update(workerOperations)
        .set({ state, settledAt: at })
        .where(and(eq(workerOperations.id, id), eq(workerOperations.state, "PENDING")))
        .returning({ id: workerOperations.id });
      return rows.length > 0;
    },

    async hasRequestSince(workerId, kinds, since) {
      if (kinds.length === 0) {
        return false;
      }
      const [row] = await db
        .select({ id: workerOperations.id })
        .from(workerOperations)
        .where(
          and(
            eq(workerOperations.workerId, workerId),
            inArray(workerOperations.kind, [...kinds]),
            gt(workerOperations.requestedAt, since),
          ),
        )
        .limit(1);
      return row !== undefined;
    },

    async listPending(requestedBefore, limit) {
      const rows = await db
        .select()
        .from(workerOperations)
        .where(and(eq(workerOperations.state, "PENDING"), lt(workerOperations.requestedAt, requestedBefore)))
        .orderBy(asc(workerOperations.requestedAt), asc(workerOperations.id))
        .limit(limit);
      return rows.map(toRecord);
    },

    async recordRedrive(id) {
      await db
        .update(workerOperations)
        .set({ redrives: sql`${workerOperations.redrives} + 1` })
        .where(eq(workerOperations.id, id));
    },

    async listUnattended(limit): Promise<UnattendedWorker[]> {
      const rows = await db
        .select({ workerId: workers.id, status: workers.status, desiredStatus: workers.desiredStatus })
        .from(workers)
        .where(
          and(
            UNATTENDED,
            // A start, stop or terminate row (whatever its state) means the outbox serves this worker: one that
            // FAILED is a visible failure, not something to re-drive for ever.
            sql`not exists (select 1 from ${workerOperations} where ${workerOperations.workerId} = ${workers.id} and ${workerOperations.kind} in ('start', 'stop', 'terminate'))`,
            // Nor a worker whose latest event about an operation is its failure (a failed start leaves the desired
            // status RUNNING on a STOPPED worker, with worker.operation_failed): the failure stands until someone asks again.
            sql`coalesce((select ${fleetEvents.type} from ${fleetEvents} where ${fleetEvents.workerId} = ${workers.id} and ${fleetEvents.type} in ('worker.operation_requested', 'worker.operation_failed') order by ${fleetEvents.at} desc, ${fleetEvents.id} desc limit 1), '') <> 'worker.operation_failed'`,
          ),
        )
        .orderBy(asc(workers.updatedAt), asc(workers.id))
        .limit(limit);
      return rows;
    },
  };
}
