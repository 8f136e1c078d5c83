import type {
  DesiredStatus,
  LicenseStatus,
  ServiceStatus,
  WorkerStatus,
} from "@cml-fleet/core/domain/worker-status";
import {
  DESIRED_STATUSES,
  LICENSE_STATUSES,
  SERVICE_STATUSES,
  WORKER_STATUSES,
} from "@cml-fleet/core/domain/worker-status";
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { instant, sqlList, timestamps } from "./columns";

/** The latest telemetry snapshot as stored in `workers.telemetry` (instants as ISO text). */
export interface StoredTelemetry {
  readonly sampledAt: string;
  readonly cpuPercent: number | null;
  readonly memoryPercent: number | null;
  readonly networkInBytes: number | null;
  readonly networkOutBytes: number | null;
  readonly runningNodes: number | null;
  readonly startedLabs: number | null;
  readonly cmlReachable: boolean;
  readonly instanceStatusCheck: string | null;
  readonly systemStatusCheck: string | null;
}

/** What a schedule last did to the worker, as stored in `workers.schedule_state` (instants as ISO text). */
export interface StoredScheduleState {
  readonly openingAt: string;
  readonly startedAt: string | null;
  readonly leadMs: number;
  readonly lateRecorded: boolean;
}

/**
 * One row per worker, holding the whole Worker except its labs (see labs.ts).
 * Filterable and policy-relevant fields are columns (status, region, name,
 * instance and IPs for search, license status and idle instants for the fleet
 * counts and the idle sweep); tags are an open-ended map, kept as jsonb with a
 * GIN index for containment filters; the telemetry snapshot is a copy of the
 * latest sample that is only ever read whole, so it is jsonb too.
 */
export const workers = pgTable(
  "workers",
  {
    // Ids come from the caller's id generator, so the column does not impose a format.
    id: text().primaryKey(),
    name: text().notNull(),
    accountId: text().notNull(),
    region: text().notNull(),
    instanceType: text().notNull(),
    amiId: text().notNull(),
    amiName: text(),
    cmlVersion: text(),
    instanceId: text(),
    publicIp: text(),
    privateIp: text(),
    endpoint: text(),
    status: text().$type<WorkerStatus>().notNull(),
    desiredStatus: text().$type<DesiredStatus>().notNull(),
    serviceStatus: text().$type<ServiceStatus>().notNull(),
    // Why the CML service is in its status (e.g. the failing component CML's health names); null: nothing to say.
    serviceStatusReason: text(),
    statusReason: text(),
    statusChangedAt: instant().notNull(),
    licenseStatus: text().$type<LicenseStatus>().notNull(),
    licenseNodeLimit: integer(),
    licenseNodesInUse: integer(),
    licenseCheckedAt: instant(),
    telemetry: jsonb().$type<StoredTelemetry>(),
    lastActivityAt: instant(),
    idleSince: instant(),
    idleWarnedAt: instant(),
    autoStopAt: instant(),
    keepAliveUntil: instant(),
    lastStartedAt: instant(),
    idlePolicyEnabled: boolean(),
    idleThresholdMinutes: doublePrecision(),
    tags: jsonb().$type<Record<string, string>>().notNull().default({}),
    // Tag sync (core's TagSync): existing rows have nothing pending.
    tagsPendingSince: instant(),
    tagsAppliedAt: instant(),
    tagsApplyError: text(),
    createdBy: text(),
    // The identity that owns the worker (core's Worker.owner): a USER of that name sees it. Null: nobody's.
    owner: text(),
    // CML trust (core's CmlTrust): existing rows were made or imported by the fleet, so they start confirmed.
    cmlConfirmed: boolean().notNull().default(true),
    cmlCertificateFingerprint: text(),
    cmlRejectedFingerprint: text(),
    // The schedule the worker follows (core's Worker.scheduleId; see schedules.ts) and what it last did (ScheduleRunState).
    scheduleId: uuid(),
    scheduleState: jsonb().$type<StoredScheduleState>(),
    idempotencyKey: text(),
    ...timestamps(),
    version: integer().notNull(),
  },
  (t) => [
    unique("workers_idempotency_key_unique").on(t.idempotencyKey),
    index().on(t.createdAt, t.id),
    index().on(t.status),
    index().on(t.region),
    index().on(t.instanceId),
    // One instance is one live worker: import and reconciliation rely on it instead of a check-then-insert.
    uniqueIndex("workers_live_instance_id_unique")
      .on(t.instanceId)
      .where(sql`${t.status} <> 'TERMINATED' and ${t.instanceId} is not null`),
    index().on(t.scheduleId),
    // A USER's reads are all "where owner = <name>": its page, counts, events and jobs.
    index().on(t.owner, t.createdAt, t.id),
    index().using("gin", t.tags),
    check("workers_status_check", sql.raw(`status in (${sqlList(WORKER_STATUSES)})`)),
    check("workers_desired_status_check", sql.raw(`desired_status in (${sqlList(DESIRED_STATUSES)})`)),
    check("workers_service_status_check", sql.raw(`service_status in (${sqlList(SERVICE_STATUSES)})`)),
    check("workers_license_status_check", sql.raw(`license_status in (${sqlList(LICENSE_STATUSES)})`)),
  ],
);

export type WorkerRow = typeof workers.$inferSelect;
export type NewWorkerRow = typeof workers.$inferInsert;
