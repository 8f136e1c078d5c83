import type { FleetEvent, NewFleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { ScheduleRunState } from "@cml-fleet/core/domain/schedule";
import {
  type CmlLab,
  type CmlTrust,
  cmlTrustOf,
  type TelemetrySnapshot,
  type Worker,
} from "@cml-fleet/core/domain/worker";
import { type TagSync, tagSyncOf } from "@cml-fleet/core/domain/worker-tags";
import type { TelemetrySample } from "@cml-fleet/core/ports/worker-repository.port";
import { getTableColumns, sql } from "drizzle-orm";
import type { FleetEventRow } from "../db/schema/events";
import { workerLabs } from "../db/schema/labs";
import type { TelemetrySampleRow } from "../db/schema/telemetry";
import {
  type NewWorkerRow,
  type StoredScheduleState,
  type StoredTelemetry,
  type WorkerRow,
  workers,
} from "../db/schema/workers";

/**
 * Every worker read selects the row plus its labs, aggregated by a correlated
 * subquery, so a page of any size is one statement (and UPDATE ... RETURNING
 * can hand back the whole worker too).
 */
export const workerSelection = {
  ...getTableColumns(workers),
  labs: sql<CmlLab[]>`(
    select coalesce(
      jsonb_agg(
        -- A node count CML did not give is left out (CmlLab.nodeCount is optional), not null.
        jsonb_strip_nulls(jsonb_build_object(
          'id', ${workerLabs.labId}, 'title', ${workerLabs.title}, 'state', ${workerLabs.state},
          'nodeCount', ${workerLabs.nodeCount}
        ))
        order by ${workerLabs.position}
      ),
      '[]'::jsonb
    )
    from ${workerLabs} where ${workerLabs.workerId} = ${workers.id}
  )`,
};

export type WorkerRecord = WorkerRow & { readonly labs: CmlLab[] };

export function toWorker(row: WorkerRecord): Worker {
  return {
    id: row.id,
    name: row.name,
    accountId: row.accountId,
    region: row.region,
    instanceType: row.instanceType,
    amiId: row.amiId,
    amiName: row.amiName,
    cmlVersion: row.cmlVersion,
    instanceId: row.instanceId,
    publicIp: row.publicIp,
    privateIp: row.privateIp,
    endpoint: row.endpoint,
    status: row.status,
    desiredStatus: row.desiredStatus,
    serviceStatus: row.serviceStatus,
    serviceStatusReason: row.serviceStatusReason,
    statusReason: row.statusReason,
    statusChangedAt: row.statusChangedAt,
    license: {
      status: row.licenseStatus,
      nodeLimit: row.licenseNodeLimit,
      nodesInUse: row.licenseNodesInUse,
      checkedAt: row.licenseCheckedAt,
    },
    telemetry: row.telemetry === null ? null : fromStoredTelemetry(row.telemetry),
    labs: row.labs,
    idle: {
      lastActivityAt: row.lastActivityAt,
      idleSince: row.idleSince,
      warnedAt: row.idleWarnedAt,
      autoStopAt: row.autoStopAt,
      keepAliveUntil: row.keepAliveUntil,
      lastStartedAt: row.lastStartedAt,
    },
    idlePolicy: { enabled: row.idlePolicyEnabled, thresholdMinutes: row.idleThresholdMinutes },
    tags: row.tags,
    tagSync: {
      pendingSince: row.tagsPendingSince,
      appliedAt: row.tagsAppliedAt,
      lastError: row.tagsApplyError,
    },
    createdBy: row.createdBy,
    owner: row.owner,
    cmlTrust: {
      confirmed: row.cmlConfirmed,
      certificateFingerprint: row.cmlCertificateFingerprint,
      rejectedFingerprint: row.cmlRejectedFingerprint,
    },
    scheduleId: row.scheduleId,
    scheduleState: row.scheduleState === null ? null : fromStoredScheduleState(row.scheduleState),
    idempotencyKey: row.idempotencyKey,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  };
}

/** The columns a save may change (identity, creation and versioning are handled by the repository). */
export function toMutableColumns(worker: Worker) {
  return {
    name: worker.name,
    accountId: worker.accountId,
    region: worker.region,
    instanceType: worker.instanceType,
    amiId: worker.amiId,
    amiName: worker.amiName,
    cmlVersion: worker.cmlVersion,
    instanceId: worker.instanceId,
    publicIp: worker.publicIp,
    privateIp: worker.privateIp,
    endpoint: worker.endpoint,
    status: worker.status,
    desiredStatus: worker.desiredStatus,
    serviceStatus: worker.serviceStatus,
    serviceStatusReason: worker.serviceStatusReason ?? null,
    statusReason: worker.statusReason,
    statusChangedAt: worker.statusChangedAt,
    licenseStatus: worker.license.status,
    licenseNodeLimit: worker.license.nodeLimit,
    licenseNodesInUse: worker.license.nodesInUse,
    licenseCheckedAt: worker.license.checkedAt,
    telemetry: worker.telemetry === null ? null : toStoredTelemetry(worker.telemetry),
    lastActivityAt: worker.idle.lastActivityAt,
    idleSince: worker.idle.idleSince,
    idleWarnedAt: worker.idle.warnedAt,
    autoStopAt: worker.idle.autoStopAt,
    keepAliveUntil: worker.idle.keepAliveUntil,
    lastStartedAt: worker.idle.lastStartedAt,
    idlePolicyEnabled: worker.idlePolicy.enabled,
    idleThresholdMinutes: worker.idlePolicy.thresholdMinutes,
    tags: { ...worker.tags },
    ...tagSyncColumns(tagSyncOf(worker)),
    createdBy: worker.createdBy,
    owner: worker.owner ?? null,
    ...cmlTrustColumns(cmlTrustOf(worker)),
    scheduleId: worker.scheduleId ?? null,
    scheduleState: worker.scheduleState == null ? null : toStoredScheduleState(worker.scheduleState),
  } satisfies Partial<NewWorkerRow>;
}

export function toNewWorkerRow(worker: Worker): NewWorkerRow {
  return {
    ...toMutableColumns(worker),
    id: worker.id,
    idempotencyKey: worker.idempotencyKey,
    createdAt: worker.createdAt,
    updatedAt: worker.updatedAt,
    version: worker.version,
  };
}

function tagSyncColumns(sync: TagSync) {
  return {
    tagsPendingSince: sync.pendingSince,
    tagsAppliedAt: sync.appliedAt,
    tagsApplyError: sync.lastError,
  };
}

function cmlTrustColumns(trust: CmlTrust) {
  return {
    cmlConfirmed: trust.confirmed,
    cmlCertificateFingerprint: trust.certificateFingerprint,
    cmlRejectedFingerprint: trust.rejectedFingerprint,
  };
}

function toStoredScheduleState(state: ScheduleRunState): StoredScheduleState {
  return {
    ...state,
    openingAt: state.openingAt.toISOString(),
    startedAt: state.startedAt?.toISOString() ?? null,
  };
}

function fromStoredScheduleState(stored: StoredScheduleState): ScheduleRunState {
  return {
    ...stored,
    openingAt: new Date(stored.openingAt),
    startedAt: stored.startedAt === null ? null : new Date(stored.startedAt),
  };
}

function toStoredTelemetry(snapshot: TelemetrySnapshot): StoredTelemetry {
  return { ...snapshot, sampledAt: snapshot.sampledAt.toISOString() };
}

export function fromStoredTelemetry(stored: StoredTelemetry): TelemetrySnapshot {
  return { ...stored, sampledAt: new Date(stored.sampledAt) };
}

export function toFleetEvent(row: FleetEventRow): FleetEvent {
  return {
    id: String(row.id),
    type: row.type,
    workerId: row.workerId,
    at: row.at,
    message: row.message,
    reason: row.reason,
    actor: row.actor,
    data: row.data,
  };
}

export function toEventRow(event: NewFleetEvent) {
  return {
    workerId: event.workerId,
    type: event.type,
    at: event.at,
    message: event.message,
    reason: event.reason,
    actor: event.actor,
    data: { ...event.data },
  };
}

/** A worker's labs as `worker_labs` rows, in CML's order. */
export function labRows(workerId: string, labs: readonly CmlLab[]) {
  // A lab listed twice by CML would break the key; the last listing wins.
  const unique = new Map(labs.map((lab) => [lab.id, lab]));
  return [...unique.values()].map((lab, position) => ({
    workerId,
    labId: lab.id,
    title: lab.title,
    state: lab.state,
    nodeCount: lab.nodeCount ?? null,
    position,
  }));
}

/** The labs a worker is read back with after `labRows(…, labs)` were written (see workerSelection). */
export function labsAsStored(labs: readonly CmlLab[]): CmlLab[] {
  return labRows("", labs).map(({ labId, title, state, nodeCount }) => ({
    id: labId,
    title,
    state,
    ...(nodeCount === null ? {} : { nodeCount }),
  }));
}

export function toTelemetrySample(row: Omit<TelemetrySampleRow, "id">): TelemetrySample {
  return {
    workerId: row.workerId,
    sampledAt: row.sampledAt,
    cpuPercent: row.cpuPercent,
    memoryPercent: row.memoryPercent,
    networkInBytes: row.networkInBytes,
    networkOutBytes: row.networkOutBytes,
    runningNodes: row.runningNodes,
    startedLabs: row.startedLabs,
    cmlReachable: row.cmlReachable,
    instanceStatusCheck: row.instanceStatusCheck,
    systemStatusCheck: row.systemStatusCheck,
  };
}

/** `ILIKE` pattern matching `text` anywhere, with the pattern characters in it taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
}
