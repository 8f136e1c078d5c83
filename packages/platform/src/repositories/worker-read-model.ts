import {
  LICENSE_STATUSES,
  type LicenseStatus,
  WORKER_STATUSES,
  type WorkerStatus,
} from "@cml-fleet/core/domain/worker-status";
import type {
  FleetCounts,
  StatusHistoryEntry,
  WorkerReadModel,
} from "@cml-fleet/core/ports/worker-read-model.port";
import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import { and, asc, count, desc, eq, inArray, isNotNull, lt, ne, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { fleetEvents } from "../db/schema/events";
import { telemetrySamples } from "../db/schema/telemetry";
import { workers } from "../db/schema/workers";
import {
  AUTO_STOPPED,
  addCostEvent,
  autoStopInWindowOf,
  autoStopWindowValues,
  enteredStatus,
  isWorkerStatus,
  PREPARED_COST_WINDOW,
  STATUS_EVENT_TYPES,
} from "./cost-input-events";
import { toFleetEvent, toTelemetrySample } from "./worker-row.mapper";

const notTerminated = ne(workers.status, "TERMINATED");

/**
 * The batch reads behind the GraphQL read side. The per-worker limits use a
 * lateral join driven by the requested worker ids, so each worker costs one
 * short walk of the (worker, time) index and the whole page one statement.
 */
/** What a worker's cost is computed from. */
export interface CostInputs {
  /** Oldest first, as {@link WorkerReadModel.statusHistoryMany}. */
  readonly history: StatusHistoryEntry[];
  /** When the idle policy stopped the worker, among its latest `autoStopWindow` events; oldest first. */
  readonly autoStops: Date[];
}

/** Reads only the API needs. */
export interface AutoStopReadModel {
  /**
   * Status histories and auto-stop instants of many workers in one
   * statement, without reading the events' payloads.
   */
  costInputsMany(workerIds: readonly string[], autoStopWindow: number): Promise<Map<string, CostInputs>>;
  /**
   * Workers not terminated that the idle policy has ever stopped: the only
   * ones with a saving, so a fleet-wide total prices these and not the fleet.
   * Of these owners when `owners` is given.
   */
  autoStoppedWorkerIds(owners?: readonly string[] | null): Promise<string[]>;
}

/** The batch reads, and the telemetry retention that works on the same time series. */
export function createWorkerReadModel(
  db: Db,
): WorkerReadModel & AutoStopReadModel & Pick<WorkerRepository, "pruneTelemetry"> {
  // Every page of workers asking for cost runs it: one shape whatever the ids, so built once and named.
  const autoStopInWindow = autoStopInWindowOf(db, PREPARED_COST_WINDOW);
  const costInputsStatement = db
    .select({
      workerId: fleetEvents.workerId,
      type: fleetEvents.type,
      at: fleetEvents.at,
      status: enteredStatus,
    })
    .from(fleetEvents)
    .where(
      and(
        sql`${fleetEvents.workerId} = any(${sql.placeholder("workerIds")}::text[])`,
        or(inArray(fleetEvents.type, STATUS_EVENT_TYPES), autoStopInWindow),
      ),
    )
    .orderBy(asc(fleetEvents.workerId), asc(fleetEvents.at), asc(fleetEvents.id))
    .prepare("worker_cost_inputs");

  return {
    async statusHistoryMany(workerIds) {
      const history = emptyMap<StatusHistoryEntry>(workerIds);
      if (workerIds.length === 0) {
        return history;
      }
      const rows = await db
        .select({
          workerId: fleetEvents.workerId,
          at: fleetEvents.at,
          status: enteredStatus,
        })
        .from(fleetEvents)
        .where(
          and(inArray(fleetEvents.type, STATUS_EVENT_TYPES), inArray(fleetEvents.workerId, [...workerIds])),
        )
        .orderBy(asc(fleetEvents.workerId), asc(fleetEvents.at), asc(fleetEvents.id));
      for (const row of rows) {
        if (row.workerId !== null && row.status !== null && isWorkerStatus(row.status)) {
          history.get(row.workerId)?.push({ status: row.status, at: row.at });
        }
      }
      return history;
    },

    async recentTelemetryMany(workerIds, perWorker) {
      const samples = emptyMap<ReturnType<typeof toTelemetrySample>>(workerIds);
      if (workerIds.length === 0 || perWorker <= 0) {
        return samples;
      }
      const recent = db
        .select()
        .from(telemetrySamples)
        .where(eq(telemetrySamples.workerId, workers.id))
        .orderBy(desc(telemetrySamples.sampledAt), desc(telemetrySamples.id))
        .limit(perWorker)
        .as("recent");
      const rows = await db
        .select({
          workerId: recent.workerId,
          sampledAt: recent.sampledAt,
          cpuPercent: recent.cpuPercent,
          memoryPercent: recent.memoryPercent,
          networkInBytes: recent.networkInBytes,
          networkOutBytes: recent.networkOutBytes,
          runningNodes: recent.runningNodes,
          startedLabs: recent.startedLabs,
          cmlReachable: recent.cmlReachable,
          instanceStatusCheck: recent.instanceStatusCheck,
          systemStatusCheck: recent.systemStatusCheck,
        })
        .from(workers)
        .crossJoinLateral(recent)
        .where(inArray(workers.id, [...workerIds]))
        .orderBy(asc(recent.workerId), asc(recent.sampledAt), asc(recent.id));
      for (const row of rows) {
        samples.get(row.workerId)?.push(toTelemetrySample(row));
      }
      return samples;
    },

    async eventsMany(workerIds, perWorker) {
      const events = emptyMap<ReturnType<typeof toFleetEvent>>(workerIds);
      if (workerIds.length === 0 || perWorker <= 0) {
        return events;
      }
      const latest = db
        .select()
        .from(fleetEvents)
        .where(eq(fleetEvents.workerId, workers.id))
        .orderBy(desc(fleetEvents.at), desc(fleetEvents.id))
        .limit(perWorker)
        .as("latest");
      const rows = await db
        .select({
          id: latest.id,
          workerId: latest.workerId,
          type: latest.type,
          at: latest.at,
          message: latest.message,
          reason: latest.reason,
          actor: latest.actor,
          data: latest.data,
        })
        .from(workers)
        .crossJoinLateral(latest)
        .where(inArray(workers.id, [...workerIds]))
        .orderBy(asc(latest.workerId), desc(latest.at), desc(latest.id));
      for (const row of rows) {
        if (row.workerId !== null) {
          events.get(row.workerId)?.push(toFleetEvent(row));
        }
      }
      return events;
    },

    async costInputsMany(workerIds, autoStopWindow) {
      const inputs = new Map<string, CostInputs>(workerIds.map((id) => [id, { history: [], autoStops: [] }]));
      if (workerIds.length === 0) {
        return inputs;
      }
      const rows = await costInputsStatement.execute({
        workerIds: [...workerIds],
        ...autoStopWindowValues(autoStopWindow),
      });
      for (const row of rows) {
        const found = row.workerId === null ? undefined : inputs.get(row.workerId);
        if (found !== undefined) {
          addCostEvent(found, row.type, row.at, row.status);
        }
      }
      return inputs;
    },

    async autoStoppedWorkerIds(owners = null) {
      // Driven by the partial index on auto-stop events, so the cost follows the auto-stopped workers, not the fleet.
      const rows = await db
        .selectDistinct({ workerId: workers.id })
        .from(fleetEvents)
        .innerJoin(workers, eq(workers.id, fleetEvents.workerId))
        .where(and(eq(fleetEvents.type, AUTO_STOPPED), notTerminated, ownedBy(owners)));
      return rows.map((row) => row.workerId);
    },

    async ownedWorkerIds(owners, among) {
      if (owners.length === 0 || (among !== undefined && among.length === 0)) {
        return [];
      }
      const rows = await db
        .select({ id: workers.id })
        .from(workers)
        .where(and(ownedBy(owners), among === undefined ? undefined : inArray(workers.id, [...among])))
        .orderBy(asc(workers.createdAt), asc(workers.id));
      return rows.map((row) => row.id);
    },

    async ownersOf(workerIds) {
      if (workerIds.length === 0) {
        return new Map();
      }
      const rows = await db
        .select({ id: workers.id, owner: workers.owner })
        .from(workers)
        .where(inArray(workers.id, [...workerIds]));
      return new Map(rows.map((row) => [row.id, row.owner]));
    },

    async fleetCounts(owners = null): Promise<FleetCounts> {
      const rows = await db
        .select({
          status: workers.status,
          region: workers.region,
          instanceType: workers.instanceType,
          count: count(),
          idle: count(sql`case when ${and(notTerminated, isNotNull(workers.idleSince))} then 1 end`),
          warned: count(sql`case when ${and(notTerminated, isNotNull(workers.idleWarnedAt))} then 1 end`),
          // Per license status, the group's workers not terminated: more columns of the same statement.
          ...licenseCountColumns(),
        })
        .from(workers)
        .where(ownedBy(owners))
        .groupBy(workers.status, workers.region, workers.instanceType)
        .orderBy(asc(workers.status), asc(workers.region), asc(workers.instanceType));
      const byStatus = Object.fromEntries(WORKER_STATUSES.map((status) => [status, 0])) as Record<
        WorkerStatus,
        number
      >;
      const byLicenseStatus = Object.fromEntries(LICENSE_STATUSES.map((status) => [status, 0])) as Record<
        LicenseStatus,
        number
      >;
      let total = 0;
      let idle = 0;
      let warned = 0;
      for (const row of rows) {
        byStatus[row.status] += row.count;
        total += row.count;
        idle += row.idle;
        warned += row.warned;
        for (const status of LICENSE_STATUSES) {
          byLicenseStatus[status] += row[licenseColumn(status)];
        }
      }
      return {
        total,
        byStatus,
        idle,
        warned,
        byLicenseStatus,
        groups: rows.map(({ status, region, instanceType, count }) => ({
          status,
          region,
          instanceType,
          count,
        })),
      };
    },

    async pruneTelemetry(olderThan) {
      const pruned = db
        .$with("pruned")
        .as(
          db
            .delete(telemetrySamples)
            .where(lt(telemetrySamples.sampledAt, olderThan))
            .returning({ id: telemetrySamples.id }),
        );
      const [result] = await db.with(pruned).select({ count: count() }).from(pruned);
      return result?.count ?? 0;
    },
  };
}

function licenseColumn<S extends LicenseStatus>(status: S): `license_${S}` {
  return `license_${status}`;
}

/** count(...) of the workers not terminated per license status, as columns license_<STATUS>. */
function licenseCountColumns(): Record<`license_${LicenseStatus}`, SQL<number>> {
  return Object.fromEntries(
    LICENSE_STATUSES.map((status) => [
      licenseColumn(status),
      count(sql`case when ${and(notTerminated, eq(workers.licenseStatus, status))} then 1 end`),
    ]),
  ) as Record<`license_${LicenseStatus}`, SQL<number>>;
}

/** The workers owned by one of `owners` (null: no narrowing; none: no worker), as a USER's reads are. */
export function ownedBy(owners: readonly string[] | null | undefined): SQL | undefined {
  if (owners === null || owners === undefined) {
    return undefined;
  }
  return owners.length === 0 ? sql`false` : inArray(workers.owner, [...owners]);
}

function emptyMap<T>(ids: readonly string[]): Map<string, T[]> {
  return new Map(ids.map((id) => [id, []]));
}
