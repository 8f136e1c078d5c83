import type { CmlLab } from "@cml-fleet/core/domain/worker";
import { sql } from "drizzle-orm";
import { type WorkerRow, workers } from "../db/schema/workers";
import { type WorkerRecord, workerSelection } from "./worker-row.mapper";

/** `accountId` -> `account_id`: the column names drizzle's snake_case casing gives the fields. */
type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;

/** A value as row_to_json writes it: instants as ISO 8601 text, jsonb as its JSON. */
type JsonValue<T> = T extends Date ? string : T;

/** A `workers` row as `row_to_json` writes it, derived from the table so a new column must be mapped below. */
export type WorkerJsonRow = {
  readonly [K in keyof WorkerRow as SnakeCase<K & string>]: JsonValue<WorkerRow[K]>;
};

/**
 * The hot reads of whole workers (the pages of the workers query, worker(id))
 * select the row as one json value instead of its 46 columns: pg parses it
 * with JSON.parse, and `fromWorkerJson` maps it in one pass, where drizzle's
 * row mapping calls a decoder per column (the largest share of a nested
 * page's mapping in the profile) and pg builds a parser per column of every
 * result. Labs are the same aggregate as {@link workerSelection}'s.
 */
export const workerJsonSelection = {
  row: sql<WorkerJsonRow>`row_to_json(${workers})`,
  labs: workerSelection.labs,
};

export function fromWorkerJson(row: WorkerJsonRow, labs: CmlLab[]): WorkerRecord {
  return {
    id: row.id,
    name: row.name,
    accountId: row.account_id,
    region: row.region,
    instanceType: row.instance_type,
    amiId: row.ami_id,
    amiName: row.ami_name,
    cmlVersion: row.cml_version,
    instanceId: row.instance_id,
    publicIp: row.public_ip,
    privateIp: row.private_ip,
    endpoint: row.endpoint,
    status: row.status,
    desiredStatus: row.desired_status,
    serviceStatus: row.service_status,
    serviceStatusReason: row.service_status_reason,
    statusReason: row.status_reason,
    statusChangedAt: new Date(row.status_changed_at),
    licenseStatus: row.license_status,
    licenseNodeLimit: row.license_node_limit,
    licenseNodesInUse: row.license_nodes_in_use,
    licenseCheckedAt: instantOrNull(row.license_checked_at),
    telemetry: row.telemetry,
    lastActivityAt: instantOrNull(row.last_activity_at),
    idleSince: instantOrNull(row.idle_since),
    idleWarnedAt: instantOrNull(row.idle_warned_at),
    autoStopAt: instantOrNull(row.auto_stop_at),
    keepAliveUntil: instantOrNull(row.keep_alive_until),
    lastStartedAt: instantOrNull(row.last_started_at),
    idlePolicyEnabled: row.idle_policy_enabled,
    idleThresholdMinutes: row.idle_threshold_minutes,
    tags: row.tags,
    tagsPendingSince: instantOrNull(row.tags_pending_since),
    tagsAppliedAt: instantOrNull(row.tags_applied_at),
    tagsApplyError: row.tags_apply_error,
    createdBy: row.created_by,
    owner: row.owner,
    cmlConfirmed: row.cml_confirmed,
    cmlCertificateFingerprint: row.cml_certificate_fingerprint,
    cmlRejectedFingerprint: row.cml_rejected_fingerprint,
    scheduleId: row.schedule_id,
    scheduleState: row.schedule_state,
    idempotencyKey: row.idempotency_key,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    version: row.version,
    labs,
  };
}

function instantOrNull(text: string | null): Date | null {
  return text === null ? null : new Date(text);
}
