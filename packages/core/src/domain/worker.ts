import type { CloudWatchReading } from "./cloudwatch-reading";
import type { ScheduleRunState } from "./schedule";
import type { ImpairmentEpisode } from "./status-checks";
import type { DesiredStatus, LicenseStatus, ServiceStatus, WorkerStatus } from "./worker-status";
import type { TagSync } from "./worker-tags";

/** A CML license as last read from the worker's CML API. */
export interface LicenseState {
  readonly status: LicenseStatus;
  readonly nodeLimit: number | null;
  readonly nodesInUse: number | null;
  readonly checkedAt: Date | null;
}

/** The latest telemetry of a worker: EC2/CloudWatch figures and CML figures of one sweep. */
export interface TelemetrySnapshot {
  readonly sampledAt: Date;
  readonly cpuPercent: number | null;
  readonly memoryPercent: number | null;
  readonly networkInBytes: number | null;
  readonly networkOutBytes: number | null;
  /** Sum of `running_nodes` over all computes; null when the CML API did not answer. */
  readonly runningNodes: number | null;
  readonly startedLabs: number | null;
  /** Whether the CML API answered during this sample. */
  readonly cmlReachable: boolean;
  /** EC2 status checks, e.g. "ok", "impaired", "initializing"; null when not known. */
  readonly instanceStatusCheck: string | null;
  readonly systemStatusCheck: string | null;
  /** The open impairment episode of the status checks (see status-checks.ts); absent or null: none. */
  readonly impairment?: ImpairmentEpisode | null;
  /**
   * Whether CML's own stats gave both CPU and memory in this sample (then the sweep does not ask CloudWatch for
   * them); absent: not known, so CloudWatch is asked when a new datapoint can exist.
   */
  readonly usageFromCml?: boolean;
  /**
   * CloudWatch's figures the last time a sweep asked for this worker, carried from sample to sample: when it
   * was asked decides when it is asked again (see cloudwatch-reading.ts). Absent or null: never asked.
   */
  readonly cloudWatch?: CloudWatchReading | null;
}

/** Per-worker overrides of the fleet's idle policy; null means "use the fleet default". */
export interface WorkerIdlePolicy {
  readonly enabled: boolean | null;
  readonly thresholdMinutes: number | null;
}

/** What the fleet knows about a worker's idleness; decided by the idle policy, kept on the worker. */
export interface IdleTracking {
  /** Latest user-intent event seen on the worker's CML (or a start). */
  readonly lastActivityAt: Date | null;
  /** When the worker was first judged idle in the current idle stretch. */
  readonly idleSince: Date | null;
  /** When an idle warning was issued for the current stretch. */
  readonly warnedAt: Date | null;
  /** When the worker will be stopped if it stays idle (set with the warning). */
  readonly autoStopAt: Date | null;
  /** No auto-stop before this instant (operator's keep-alive). */
  readonly keepAliveUntil: Date | null;
  /** Last time the worker was started (by provisioning or a start); opens the snooze window. */
  readonly lastStartedAt: Date | null;
}

export interface CmlLab {
  readonly id: string;
  readonly title: string;
  readonly state: string;
  /** How many nodes the lab has, as CML counts them; null or absent when CML did not say. */
  readonly nodeCount?: number | null;
}

export type Tags = Readonly<Record<string, string>>;

/**
 * How far the fleet trusts a worker's CML before it sends it the service
 * account's password. The certificate is pinned on first use (TOFU): a later
 * certificate that differs is refused until an ADMIN trusts it or a provision
 * launches a new instance. A worker that reconciliation imported on its own is
 * not confirmed: nothing contacts its CML until an ADMIN confirms it.
 */
export interface CmlTrust {
  /** False for an instance auto-imported by reconciliation until an ADMIN confirms it. */
  readonly confirmed: boolean;
  /** SHA-256 of the CML certificate, as Node prints it (`AB:CD:...`); null until the first contact. */
  readonly certificateFingerprint: string | null;
  /** The certificate last refused because it did not match the pin (null: none refused since). */
  readonly rejectedFingerprint: string | null;
}

/** A worker the fleet made itself: confirmed, and pinned on its first contact. */
export const FIRST_USE_TRUST: CmlTrust = {
  confirmed: true,
  certificateFingerprint: null,
  rejectedFingerprint: null,
};

/** A worker's trust; one built before trust existed (no field) is confirmed and unpinned. */
export function cmlTrustOf(worker: Pick<Worker, "cmlTrust">): CmlTrust {
  return worker.cmlTrust ?? FIRST_USE_TRUST;
}

export interface Worker {
  readonly id: string;
  readonly name: string;
  /** The key of the AWS account (from settings) the worker lives in. */
  readonly accountId: string;
  readonly region: string;
  readonly instanceType: string;
  readonly amiId: string;
  readonly amiName: string | null;
  readonly cmlVersion: string | null;
  readonly instanceId: string | null;
  readonly publicIp: string | null;
  readonly privateIp: string | null;
  /** Base URL of the worker's CML API, e.g. `https://203.0.113.7:443`. */
  readonly endpoint: string | null;
  readonly status: WorkerStatus;
  readonly desiredStatus: DesiredStatus;
  readonly serviceStatus: ServiceStatus;
  /** Why the CML service is in its status (e.g. the failing component); absent on workers built before it existed. */
  readonly serviceStatusReason?: string | null | undefined;
  readonly statusReason: string | null;
  readonly statusChangedAt: Date;
  readonly license: LicenseState;
  readonly telemetry: TelemetrySnapshot | null;
  readonly labs: readonly CmlLab[];
  readonly idle: IdleTracking;
  readonly idlePolicy: WorkerIdlePolicy;
  readonly tags: Tags;
  /** Whether the tags have reached the instance (see worker-tags.ts); absent: nothing pending. */
  readonly tagSync?: TagSync | undefined;
  readonly createdBy: string | null;
  /**
   * The identity that owns the worker (an API token's name, an OIDC user's
   * name claim): a USER credential of that name sees it and may run its
   * operations on it. Null or absent: nobody's, seen by the ranked roles only.
   */
  readonly owner?: string | null | undefined;
  /** The schedule the worker follows (see schedule.ts); null or absent: none. */
  readonly scheduleId?: string | null | undefined;
  /** What its schedule last did to it; null or absent: nothing yet. */
  readonly scheduleState?: ScheduleRunState | null | undefined;
  /** Absent on workers built before trust existed (see `cmlTrustOf`); the repository always fills it. */
  readonly cmlTrust?: CmlTrust | undefined;
  readonly idempotencyKey: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Optimistic concurrency: every saved change increments it. */
  readonly version: number;
}

export const UNKNOWN_LICENSE: LicenseState = {
  status: "UNKNOWN",
  nodeLimit: null,
  nodesInUse: null,
  checkedAt: null,
};

export const NO_IDLE_TRACKING: IdleTracking = {
  lastActivityAt: null,
  idleSince: null,
  warnedAt: null,
  autoStopAt: null,
  keepAliveUntil: null,
  lastStartedAt: null,
};

export const DEFAULT_WORKER_IDLE_POLICY: WorkerIdlePolicy = { enabled: null, thresholdMinutes: null };
