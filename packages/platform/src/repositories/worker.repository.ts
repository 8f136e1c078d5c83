import type { FleetEvent, NewFleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type { WorkerStatus } from "@cml-fleet/core/domain/worker-status";
import { ConcurrentModificationError, ConflictError, NotFoundError } from "@cml-fleet/core/errors";
import type { WorkerReadModel } from "@cml-fleet/core/ports/worker-read-model.port";
import type {
  TelemetrySample,
  WorkerRepository,
  WorkerWriteOptions,
} from "@cml-fleet/core/ports/worker-repository.port";
import { and, asc, desc, eq, inArray, isNotNull, ne, notInArray, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { fleetEvents } from "../db/schema/events";
import { workerLabs } from "../db/schema/labs";
import { telemetrySamples } from "../db/schema/telemetry";
import { workers } from "../db/schema/workers";
import { insertAuditEntries } from "./audit.repository";
import { insertByColumns } from "./column-arrays";
import {
  autoStopWindowValues,
  costEventsColumn,
  costInputsOfEvents,
  PREPARED_COST_WINDOW,
} from "./cost-input-events";
import { isUniqueViolation } from "./database-errors";
import { decodeKeysetCursor, numericCursorId } from "./keyset-cursor";
import { saveWorkerBatch } from "./worker-batch-save";
import { fromWorkerJson, workerJsonSelection } from "./worker-json-row";
import { insertWorkerOperation } from "./worker-operation.repository";
import { createWorkerPages, type WorkerPages } from "./worker-page";
import { type AutoStopReadModel, type CostInputs, createWorkerReadModel, ownedBy } from "./worker-read-model";
import {
  fromStoredTelemetry,
  labRows,
  toEventRow,
  toFleetEvent,
  toMutableColumns,
  toNewWorkerRow,
  toTelemetrySample,
  toWorker,
  workerSelection,
} from "./worker-row.mapper";

/**
 * The worker repository together with the batch reads of the GraphQL read
 * side. Its writes take the audit rows of the mutation that made them and
 * write them in the change's transaction.
 */
export type DrizzleWorkerRepository = WorkerRepository &
  WorkerReadModel &
  AutoStopReadModel &
  Pick<WorkerPages, "listWithCostInputs"> & {
    /** findById, and what the worker's cost is computed from (as costInputsMany), in one statement. */
    findByIdWithCostInputs(
      id: string,
      autoStopWindow: number,
    ): Promise<{ worker: Worker; costInputs: CostInputs } | null>;
  };

export function createWorkerRepository(db: Db): DrizzleWorkerRepository {
  const selectWorkers = () => db.select(workerSelection).from(workers);
  // The worker(id) query and many commands: built once, parsed once per connection.
  const byId = db
    .select(workerJsonSelection)
    .from(workers)
    .where(eq(workers.id, sql.placeholder("id")))
    .prepare("worker_by_id");
  const byIdCosted = db
    .select({ ...workerJsonSelection, costEvents: costEventsColumn(db, PREPARED_COST_WINDOW) })
    .from(workers)
    .where(eq(workers.id, sql.placeholder("id")))
    .prepare("worker_by_id_costed");
  const pages = createWorkerPages(db);

  async function insertEvents(executor: Db, events: readonly NewFleetEvent[]): Promise<FleetEvent[]> {
    if (events.length === 0) {
      return [];
    }
    const rows = await executor.insert(fleetEvents).values(events.map(toEventRow)).returning();
    return rows.map(toFleetEvent);
  }

  return {
    ...createWorkerReadModel(db),

    async findById(id) {
      const [row] = await byId.execute({ id });
      return row === undefined ? null : toWorker(fromWorkerJson(row.row, row.labs));
    },

    async findByIdWithCostInputs(id, autoStopWindow) {
      const [row] = await byIdCosted.execute({ id, ...autoStopWindowValues(autoStopWindow) });
      return row === undefined
        ? null
        : {
            worker: toWorker(fromWorkerJson(row.row, row.labs)),
            costInputs: costInputsOfEvents(row.costEvents),
          };
    },

    async findByIds(ids) {
      if (ids.length === 0) {
        return [];
      }
      const rows = await selectWorkers()
        .where(inArray(workers.id, [...ids]))
        .orderBy(asc(workers.createdAt), asc(workers.id));
      return rows.map(toWorker);
    },

    async findByIdempotencyKey(key) {
      const [row] = await selectWorkers().where(eq(workers.idempotencyKey, key));
      return row === undefined ? null : toWorker(row);
    },

    async findByInstanceIds(instanceIds) {
      if (instanceIds.length === 0) {
        return [];
      }
      const rows = await selectWorkers()
        .where(inArray(workers.instanceId, [...instanceIds]))
        .orderBy(asc(workers.createdAt), asc(workers.id));
      return rows.map(toWorker);
    },

    list: pages.list,
    listWithCostInputs: pages.listWithCostInputs,

    async listActive(owners = null) {
      const rows = await selectWorkers()
        .where(and(ne(workers.status, "TERMINATED"), ownedBy(owners)))
        .orderBy(asc(workers.createdAt), asc(workers.id));
      return rows.map(toWorker);
    },

    async listWithInstanceIn(target, excludedStatuses) {
      // Only what the region step reads: 10,000 whole workers hold about 15 MB of heap, these about 3 MB.
      const rows = await db
        .select({ id: workers.id, instanceId: workers.instanceId, telemetry: workers.telemetry })
        .from(workers)
        .where(
          and(
            eq(workers.accountId, target.accountId),
            eq(workers.region, target.region),
            isNotNull(workers.instanceId),
            notInStatuses(excludedStatuses),
          ),
        )
        .orderBy(asc(workers.createdAt), asc(workers.id));
      return rows.flatMap(({ id, instanceId, telemetry }) =>
        instanceId === null
          ? []
          : [{ id, instanceId, telemetry: telemetry === null ? null : fromStoredTelemetry(telemetry) }],
      );
    },

    async targetsWithInstances(excludedStatuses) {
      return db
        .selectDistinct({ accountId: workers.accountId, region: workers.region })
        .from(workers)
        .where(and(isNotNull(workers.instanceId), notInStatuses(excludedStatuses)))
        .orderBy(asc(workers.accountId), asc(workers.region));
    },

    async insert(worker, events, options) {
      try {
        return await db.transaction(async (tx) => {
          await tx.insert(workers).values(toNewWorkerRow(worker));
          if (worker.labs.length > 0) {
            await tx.insert(workerLabs).values(labRows(worker.id, worker.labs));
          }
          await insertAuditEntries(tx, options?.audit ?? []);
          const saved = { worker, events: await insertEvents(tx, events) };
          await queueOperation(tx, worker, options);
          return saved;
        });
      } catch (error) {
        if (isUniqueViolation(error, "workers_idempotency_key_unique")) {
          throw new ConflictError(`a worker with idempotency key "${worker.idempotencyKey}" already exists`, {
            cause: error,
          });
        }
        if (isUniqueViolation(error, "workers_pkey")) {
          throw new ConflictError(`worker ${worker.id} already exists`, { cause: error });
        }
        if (isUniqueViolation(error, "workers_live_instance_id_unique")) {
          throw new ConflictError(`instance ${worker.instanceId} already belongs to a live worker`, {
            cause: error,
          });
        }
        throw error;
      }
    },

    // Labs are not written here: they belong to saveLabs, so a save from a worker read
    // before the last sweep cannot bring back labs the sweep has since replaced.
    async save(worker, events, options) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(workers)
          .set({
            ...toMutableColumns(worker),
            version: sql`${workers.version} + 1`,
            // Strictly increasing, so subscribers can order the snapshots they receive.
            updatedAt: sql`greatest(${worker.updatedAt.toISOString()}::timestamptz, ${workers.updatedAt} + interval '1 millisecond')`,
          })
          .where(and(eq(workers.id, worker.id), eq(workers.version, worker.version)))
          .returning(workerSelection);
        if (row === undefined) {
          const [existing] = await tx
            .select({ id: workers.id })
            .from(workers)
            .where(eq(workers.id, worker.id));
          throw existing === undefined
            ? new NotFoundError("worker", worker.id)
            : new ConcurrentModificationError("worker", worker.id);
        }
        await insertAuditEntries(tx, options?.audit ?? []);
        const saved = { worker: toWorker(row), events: await insertEvents(tx, events) };
        await queueOperation(tx, saved.worker, options);
        return saved;
      });
    },

    saveMany(entries) {
      return saveWorkerBatch(db, entries);
    },

    appendEvents(events) {
      return insertEvents(db, events);
    },

    async listEvents(workerId, first, after = null, owners = null) {
      const position = after === null ? null : decodeKeysetCursor(after);
      const rows = await db
        .select()
        .from(fleetEvents)
        .where(
          and(
            workerId === null ? undefined : eq(fleetEvents.workerId, workerId),
            // A USER's events: those of the workers it owns (a fleet-wide event has no worker, so none).
            owners === null
              ? undefined
              : inArray(
                  fleetEvents.workerId,
                  db.select({ id: workers.id }).from(workers).where(ownedBy(owners)),
                ),
            // Keyset paging: a row comparison, so the (worker_id, at) and (at) indexes serve it as a range.
            position === null
              ? undefined
              : sql`(${fleetEvents.at}, ${fleetEvents.id}) < (${position.at.toISOString()}::timestamptz, ${numericCursorId(position)})`,
          ),
        )
        .orderBy(desc(fleetEvents.at), desc(fleetEvents.id))
        .limit(first);
      return rows.map(toFleetEvent);
    },

    async saveTelemetry(samples) {
      if (samples.length === 0) {
        return;
      }
      await insertByColumns(db, telemetrySamples, samples);
    },

    async recentTelemetry(workerId, limit): Promise<TelemetrySample[]> {
      const rows = await db
        .select()
        .from(telemetrySamples)
        .where(eq(telemetrySamples.workerId, workerId))
        .orderBy(desc(telemetrySamples.sampledAt), desc(telemetrySamples.id))
        .limit(limit);
      return rows.reverse().map(toTelemetrySample);
    },

    async saveLabs(workerId, labs) {
      await db.transaction(async (tx) => {
        await tx.delete(workerLabs).where(eq(workerLabs.workerId, workerId));
        if (labs.length > 0) {
          await tx.insert(workerLabs).values(labRows(workerId, labs));
        }
      });
    },
  };
}

/** The change's operation, last in its transaction: its job queued, then its outbox row (see WorkerWriteOptions). */
async function queueOperation(tx: Db, saved: Worker, options: WorkerWriteOptions | undefined): Promise<void> {
  if (options?.queueOperation !== undefined) {
    await insertWorkerOperation(tx, await options.queueOperation(saved));
  }
}

function notInStatuses(statuses: readonly WorkerStatus[]): SQL | undefined {
  return statuses.length === 0 ? undefined : notInArray(workers.status, [...statuses]);
}
