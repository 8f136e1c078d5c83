/**
 * The shapes the monitor reads from the API, exactly as its operations select
 * them. The TUI depends on nothing of ours at runtime, so these mirror the
 * GraphQL schema rather than importing the core domain.
 */

export const WORKER_STATUSES = [
  "PENDING",
  "RUNNING",
  "STOPPING",
  "STOPPED",
  "SHUTTING_DOWN",
  "TERMINATED",
  "FAILED",
  "UNKNOWN",
] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

export type ServiceStatus = "UNKNOWN" | "UNAVAILABLE" | "STARTING" | "AVAILABLE" | "ERROR";

export type LicenseStatus =
  | "UNKNOWN"
  | "UNREGISTERED"
  | "REGISTERING"
  | "REGISTERED"
  | "DEREGISTERING"
  | "EVALUATION"
  | "EXPIRED"
  | "INVALID";

export type JobState = "WAITING" | "ACTIVE" | "DELAYED" | "COMPLETED" | "FAILED";

export type Role = "VIEWER" | "OPERATOR" | "ADMIN";

export interface Viewer {
  readonly name: string;
  readonly role: Role;
}

export interface Telemetry {
  readonly sampledAt: string;
  readonly cpuPercent: number | null;
  readonly memoryPercent: number | null;
  readonly runningNodes: number | null;
  readonly startedLabs: number | null;
}

export interface Job {
  readonly id: string;
  readonly name: string;
  readonly workerId: string | null;
  readonly state: JobState;
  /** 0..1 */
  readonly progress: number | null;
  readonly step: string | null;
  readonly attempts: number;
  readonly failedReason: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface FleetEvent {
  readonly id: string;
  readonly type: string;
  readonly workerId: string | null;
  readonly at: string;
  readonly message: string;
  readonly actor: string;
}

export interface Worker {
  readonly id: string;
  readonly name: string;
  readonly region: string;
  readonly instanceType: string;
  readonly amiId: string;
  readonly amiName: string | null;
  readonly cmlVersion: string | null;
  readonly instanceId: string | null;
  readonly publicIp: string | null;
  readonly privateIp: string | null;
  readonly endpoint: string | null;
  readonly status: WorkerStatus;
  readonly desiredStatus: WorkerStatus;
  readonly statusReason: string | null;
  readonly serviceStatus: ServiceStatus;
  readonly license: {
    readonly status: LicenseStatus;
    readonly nodeLimit: number | null;
    readonly nodesInUse: number | null;
  };
  readonly telemetry: Telemetry | null;
  readonly labs: readonly { readonly id: string; readonly title: string; readonly state: string }[];
  readonly idle: {
    readonly enabled: boolean;
    readonly thresholdMinutes: number;
    readonly isIdle: boolean;
    readonly lastActivityAt: string | null;
    readonly idleSince: string | null;
    readonly autoStopAt: string | null;
    readonly keepAliveUntil: string | null;
  };
  readonly cost: { readonly hourlyRate: number; readonly accrued: number; readonly savedByAutoStop: number };
  readonly tags: readonly { readonly key: string; readonly value: string }[];
  readonly activeJob: Job | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A worker as the snapshot query returns it: with its recent CPU samples for the sparkline. */
export interface SnapshotWorker extends Worker {
  readonly recentTelemetry: readonly Telemetry[];
}

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
