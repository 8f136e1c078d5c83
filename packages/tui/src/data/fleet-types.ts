/**
 * The names the rest of the TUI uses for what it reads from the API. None is
 * written by hand: records are the result types of the monitor's own fragments
 * and operations, vocabularies are the schema's enums, so a change to
 * packages/api/schema.graphql (after `codegen`) surfaces here as type errors.
 * The API is known only through that printed schema: at run time the TUI
 * imports nothing of ours but `@cml-fleet/duration`, the shared duration grammar.
 */
import type { ResultOf } from "gql.tada";
import type { EventFields, JobFields, TelemetryFields, WorkerFields } from "./fragments";
import type { EnumName, EnumOf } from "./graphql";
import type {
  AuditLogQuery,
  NotificationChannelsQuery,
  SchedulesQuery,
  ViewerQuery,
  WorkerSnapshotsQuery,
  WorkersPageQuery,
} from "./operations";

/** Records are shared by the reducer, selectors and views: nothing may change one in place. */
type Immutable<T> = T extends readonly (infer Item)[]
  ? readonly Immutable<Item>[]
  : T extends object
    ? { readonly [Key in keyof T]: Immutable<T[Key]> }
    : T;

export type WorkerStatus = EnumOf<"WorkerStatus">;
export type ServiceStatus = EnumOf<"ServiceStatus">;
export type LicenseStatus = EnumOf<"LicenseStatus">;
export type JobState = EnumOf<"JobState">;
export type Role = EnumOf<"Role">;

/**
 * `Listed` when it names every value of the enum, otherwise an object type
 * naming the missing values, which the list then fails to be assigned to.
 */
type EveryValueOf<Name extends EnumName, Listed extends readonly EnumOf<Name>[]> = [
  Exclude<EnumOf<Name>, Listed[number]>,
] extends [never]
  ? Listed
  : { readonly missingFromTheList: Exclude<EnumOf<Name>, Listed[number]> };

const workerStatuses = [
  "PENDING",
  "RUNNING",
  "STOPPING",
  "STOPPED",
  "SHUTTING_DOWN",
  "TERMINATED",
  "FAILED",
  "UNKNOWN",
] as const satisfies readonly WorkerStatus[];

/** Every worker status in lifecycle order (the status sort and the header's counts follow it). */
export const WORKER_STATUSES: EveryValueOf<"WorkerStatus", typeof workerStatuses> = workerStatuses;

export type Viewer = Immutable<ResultOf<typeof ViewerQuery>["viewer"]>;

export type Telemetry = Immutable<ResultOf<typeof TelemetryFields>>;

/** `progress` is 0..1. */
export type Job = Immutable<ResultOf<typeof JobFields>>;

export type FleetEvent = Immutable<ResultOf<typeof EventFields>>;

/** One entry of the audit log; `outcome` is allowed, denied or failed. */
export type AuditEntry = Immutable<ResultOf<typeof AuditLogQuery>["auditLog"][number]>;

/** A schedule with its windows and the workers on it (the `:schedules` view). */
export type Schedule = Immutable<ResultOf<typeof SchedulesQuery>["schedules"][number]>;

/** A notification channel with its last delivery and last error (ADMIN, the `:channels` view). */
export type NotificationChannel = Immutable<
  ResultOf<typeof NotificationChannelsQuery>["notificationChannels"][number]
>;

/** An EBS snapshot of a worker's root volume. */
export type Snapshot = Immutable<
  NonNullable<ResultOf<typeof WorkerSnapshotsQuery>["worker"]>["snapshots"][number]
>;

/** A worker as every query and the workerChanged stream select it. */
export type Worker = Immutable<ResultOf<typeof WorkerFields>>;

/** A worker as the snapshot query returns it: with its recent CPU samples for the sparkline. */
export type SnapshotWorker = Immutable<ResultOf<typeof WorkersPageQuery>["workers"]["edges"][number]["node"]>;

/** The state of the live link to the API, as the header shows it. */
export type ConnectionState =
  | { readonly kind: "connecting" }
  | { readonly kind: "live" }
  | {
      readonly kind: "reconnecting";
      readonly attempt: number;
      /** Epoch ms of the next attempt, or null while an attempt is under way. */
      readonly retryAt: number | null;
      readonly reason: string | null;
    };
