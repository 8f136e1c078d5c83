import type { Actor } from "./actor";

export const JOB_STATES = ["WAITING", "ACTIVE", "DELAYED", "COMPLETED", "FAILED"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Job kinds; one queue each, one processor each. */
export const JOB_KINDS = [
  "provision",
  "start",
  "stop",
  "terminate",
  "refresh",
  "register-license",
  "deregister-license",
  "import",
  "telemetry-sweep",
  "idle-check",
  "reconcile",
] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** Data each job kind carries. No secrets: a license token is looked up, never queued. */
export interface JobPayloads {
  provision: { workerId: string; actor: Actor };
  start: { workerId: string; actor: Actor };
  stop: { workerId: string; actor: Actor; reason: string | null };
  terminate: { workerId: string; actor: Actor; force: boolean };
  refresh: { workerId: string; actor: Actor };
  "register-license": {
    workerId: string;
    actor: Actor;
    useConfiguredToken: boolean;
    tokenRef: string | null;
  };
  "deregister-license": { workerId: string; actor: Actor };
  import: { accountId: string; region: string; instanceIds: string[] | null; actor: Actor };
  "telemetry-sweep": Record<string, never>;
  "idle-check": Record<string, never>;
  reconcile: Record<string, never>;
}

export interface JobRequest<K extends JobKind = JobKind> {
  readonly kind: K;
  readonly payload: JobPayloads[K];
}

export interface JobInfo {
  readonly id: string;
  readonly name: JobKind;
  readonly workerId: string | null;
  readonly state: JobState;
  /** 0..1 */
  readonly progress: number | null;
  /** Name of the step in progress, e.g. "waiting for CML ready". */
  readonly step: string | null;
  readonly attempts: number;
  readonly failedReason: string | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

/**
 * Job id for an operation on a worker: the same operation on the same worker
 * collapses into one job while it is queued or running (BullMQ ignores a
 * duplicate id). No ":" and never all digits, as BullMQ requires.
 */
export function workerJobId(kind: JobKind, workerId: string, attempt = 0): string {
  return attempt === 0 ? `${kind}.${workerId}` : `${kind}.${workerId}.${attempt}`;
}
