import type { Actor } from "./actor";
import type { RankedRole } from "./role";
import type { TelemetryRegionPayload, TelemetryShardPayload } from "./telemetry-sweep-run";
import type { OperationIntent } from "./worker-operation";
import type { DesiredStatus, WorkerStatus } from "./worker-status";

export const JOB_STATES = ["WAITING", "ACTIVE", "DELAYED", "COMPLETED", "FAILED"] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * Carries a row's payload type through the table; `{}` at run time. A
 * phantom keeps each kind's payload in its own row instead of a second list
 * of kinds that must be kept in step.
 */
interface Payload<P> {
  readonly type?: P;
}
function payload<P extends object>(): Payload<P> {
  return {};
}

/** Data of an operation on one worker: the worker, and who asked. */
interface WorkerTarget {
  readonly workerId: string;
  readonly actor: Actor;
}

/** The roles an operation mutation may require: reading is never an operation. */
export type OperationRole = Exclude<RankedRole, "VIEWER">;

/** The one argument an operation mutation takes besides `id: ID!`. */
export type OperationArg =
  | { readonly name: string; readonly type: "string"; readonly description?: string }
  | {
      readonly name: string;
      readonly type: "boolean";
      readonly defaultValue: boolean;
      readonly description?: string;
    };

/** The GraphQL mutation behind an operation: `<field>(id: ID!, <arg>): WorkerJobPayload!`. */
export interface OperationMutation {
  /** Also the name of the worker command service's method, and the audited operation name. */
  readonly field: string;
  readonly role: OperationRole;
  readonly arg?: OperationArg;
  /**
   * Further Boolean arguments, false when omitted, handed to the command as
   * one options object after `arg` (only with a Boolean `arg`: see the API's runOperation).
   */
  readonly flags?: readonly OperationFlag[];
}

/** An optional Boolean argument of an operation mutation (false when omitted). */
export interface OperationFlag {
  readonly name: string;
  readonly description: string;
}

/** What an operator's request does to a worker; `planOperation` reads it. */
export interface OperationRule {
  /** Statuses from which the operation starts work, and the status the worker passes to (null: none). */
  readonly runFrom: Partial<Record<WorkerStatus, WorkerStatus | null>>;
  /** Statuses in which the operation is already under way or done: the request joins. */
  readonly joinFrom: readonly WorkerStatus[];
  /** The desired status the request records; null leaves it alone. */
  readonly desired: DesiredStatus | null;
  readonly mutation: OperationMutation;
}

/** A fleet-wide sweep: the scheduler repeats it, and a process runs one at a time. */
export interface SweepRule {
  /** The job runtime's schedule interval that sets its period. */
  readonly every: string;
}

/**
 * A row says who may ask for its kind of job (and so retry one): an
 * operation's mutation names its role; a kind without one names it itself.
 */
type JobKindRow =
  | { readonly payload: Payload<WorkerTarget>; readonly target: "worker"; readonly operation: OperationRule }
  | { readonly payload: Payload<WorkerTarget>; readonly target: "worker"; readonly role: OperationRole }
  | {
      readonly payload: Payload<object>;
      readonly target: "fleet";
      readonly role: OperationRole;
      readonly sweep?: SweepRule;
    };

type NoPayload = Record<string, never>;

/**
 * The outbox row a worker job serves (an accepted request's, see
 * worker-operation.ts); absent on a job queued by a sweep or before the outbox.
 */
type Intent = OperationIntent | null;

/**
 * A stop decided by a policy rather than asked for by someone: the idle
 * auto-stop (or a schedule's closing, through the idle check) and when. The
 * stop job re-decides it under the worker's lock before stopping anything.
 */
export interface PolicyStopDecision {
  readonly policy: "idle" | "schedule";
  /** ISO instant of the decision. */
  readonly decidedAt: string;
}

/**
 * The job kinds, one queue and one processor each, and everything that
 * differs between them. Queues, processors, schedules, operation planning
 * and the operation mutations are all derived from this table.
 * Payloads carry no secrets: a license token is looked up, never queued.
 */
export const JOB_KIND_TABLE = {
  // Asked for by createWorker.
  provision: {
    payload: payload<{ workerId: string; actor: Actor; intent?: Intent }>(),
    target: "worker",
    role: "ADMIN",
  },
  start: {
    payload: payload<{ workerId: string; actor: Actor; intent?: Intent }>(),
    target: "worker",
    operation: {
      runFrom: { STOPPED: "PENDING", FAILED: "PENDING", UNKNOWN: "PENDING" },
      joinFrom: ["PENDING", "RUNNING"],
      desired: "RUNNING",
      mutation: { field: "startWorker", role: "OPERATOR" },
    },
  },
  stop: {
    // `decidedBy`: a stop the idle policy (or a schedule's closing) decided; the job decides again under the lock.
    payload: payload<{
      workerId: string;
      actor: Actor;
      reason: string | null;
      intent?: Intent;
      decidedBy?: PolicyStopDecision | null;
    }>(),
    target: "worker",
    operation: {
      runFrom: { RUNNING: "STOPPING", PENDING: "STOPPING", FAILED: "STOPPING", UNKNOWN: "STOPPING" },
      joinFrom: ["STOPPING", "STOPPED"],
      desired: "STOPPED",
      mutation: { field: "stopWorker", role: "OPERATOR", arg: { name: "reason", type: "string" } },
    },
  },
  terminate: {
    // `snapshotFirst`: snapshot the root volume (a snapshot job's work, same id on every retry) before terminating.
    payload: payload<{
      workerId: string;
      actor: Actor;
      force: boolean;
      snapshotFirst?: { snapshotId: string; description: string | null } | null;
      intent?: Intent;
    }>(),
    target: "worker",
    operation: {
      runFrom: {
        PENDING: "SHUTTING_DOWN",
        RUNNING: "SHUTTING_DOWN",
        STOPPING: "SHUTTING_DOWN",
        STOPPED: "SHUTTING_DOWN",
        FAILED: "SHUTTING_DOWN",
        UNKNOWN: "SHUTTING_DOWN",
      },
      joinFrom: ["SHUTTING_DOWN"],
      desired: "TERMINATED",
      mutation: {
        field: "terminateWorker",
        role: "ADMIN",
        arg: {
          name: "force",
          type: "boolean",
          defaultValue: false,
          description: "Stop running labs first, so the license can be deregistered.",
        },
        flags: [
          {
            name: "snapshot",
            description:
              "Snapshot the root volume first (its labs kept, in Worker.snapshots); the instance is terminated only once the snapshot is COMPLETED.",
          },
        ],
      },
    },
  },
  refresh: {
    payload: payload<{ workerId: string; actor: Actor; intent?: Intent }>(),
    target: "worker",
    operation: {
      // Any status but TERMINATED: a refresh only observes.
      runFrom: {
        PENDING: null,
        RUNNING: null,
        STOPPING: null,
        STOPPED: null,
        SHUTTING_DOWN: null,
        FAILED: null,
        UNKNOWN: null,
      },
      joinFrom: [],
      desired: null,
      mutation: { field: "refreshWorker", role: "OPERATOR" },
    },
  },
  "register-license": {
    payload: payload<{
      workerId: string;
      actor: Actor;
      useConfiguredToken: boolean;
      tokenRef: string | null;
      intent?: Intent;
    }>(),
    target: "worker",
    operation: {
      runFrom: { RUNNING: null },
      joinFrom: [],
      desired: null,
      mutation: {
        field: "registerLicense",
        role: "ADMIN",
        arg: {
          name: "token",
          type: "string",
          description: "A license token; the fleet's CML_LICENSE_TOKEN when omitted.",
        },
      },
    },
  },
  "deregister-license": {
    payload: payload<{ workerId: string; actor: Actor; intent?: Intent }>(),
    target: "worker",
    operation: {
      runFrom: { RUNNING: null },
      joinFrom: [],
      desired: null,
      mutation: { field: "deregisterLicense", role: "ADMIN" },
    },
  },
  // Asked for by snapshotWorker: an EBS snapshot of the root volume (the CML labs with it), recorded in `snapshots`
  // under `snapshotId`, the fleet's id chosen with the request (the same on every retry, so a retry makes no second).
  snapshot: {
    payload: payload<{
      workerId: string;
      actor: Actor;
      snapshotId: string;
      description: string | null;
      intent?: Intent;
    }>(),
    target: "worker",
    operation: {
      // A running or stopped instance has its root volume; the worker stays as it is.
      runFrom: { RUNNING: null, STOPPED: null },
      joinFrom: [],
      desired: null,
      mutation: {
        field: "snapshotWorker",
        role: "OPERATOR",
        arg: {
          name: "description",
          type: "string",
          description: "Recorded on the EBS snapshot (one line, at most 255 characters).",
        },
      },
    },
  },
  // Asked for by the status-check policy (an impaired instance, CML_WORKER_REBOOT_ON_IMPAIRED); `impairedSince`
  // names the impairment episode, so a job of an episode that has closed does nothing. As an operator may.
  reboot: {
    payload: payload<{ workerId: string; actor: Actor; reason: string; impairedSince: string }>(),
    target: "worker",
    role: "OPERATOR",
  },
  // Asked for by setWorkerTags: makes the instance's tags match the worker's (EC2 CreateTags/DeleteTags).
  "apply-tags": {
    payload: payload<{ workerId: string; actor: Actor }>(),
    target: "worker",
    role: "OPERATOR",
  },
  // Asked for by stopLab; one lab at a time per worker (the job id is the worker's).
  "stop-lab": {
    payload: payload<{ workerId: string; actor: Actor; labId: string }>(),
    target: "worker",
    role: "OPERATOR",
  },
  // Asked for by stopAllLabs: every started lab of the worker.
  "stop-all-labs": {
    payload: payload<{ workerId: string; actor: Actor }>(),
    target: "worker",
    role: "OPERATOR",
  },
  import: {
    payload: payload<{ accountId: string; region: string; instanceIds: string[] | null; actor: Actor }>(),
    target: "fleet",
    // Asked for by importWorkers.
    role: "ADMIN",
  },
  // A sweep only observes, like refreshWorker. It fans out: a telemetry-region job per account and region, each
  // a telemetry-shard job per shard, which any job process may take; it answers once they all have.
  "telemetry-sweep": {
    payload: payload<NoPayload>(),
    target: "fleet",
    role: "OPERATOR",
    sweep: { every: "telemetrySweepMs" },
  },
  // One step of a telemetry sweep, queued by the fan-out above: reads one account and region from AWS once and
  // queues a telemetry-shard job per shard, under the sweep run's id. It only observes.
  "telemetry-region": { payload: payload<TelemetryRegionPayload>(), target: "fleet", role: "OPERATOR" },
  // One shard of a region (at most CML_SWEEP_SHARD_SIZE workers): asks their CML and saves them. It only observes.
  "telemetry-shard": { payload: payload<TelemetryShardPayload>(), target: "fleet", role: "OPERATOR" },
  // It stops idle workers, as an operator may.
  "idle-check": {
    payload: payload<NoPayload>(),
    target: "fleet",
    role: "OPERATOR",
    sweep: { every: "idleCheckMs" },
  },
  // Starts workers for their schedules' windows (their stops are the idle check's), as an operator may.
  "schedule-evaluate": {
    payload: payload<NoPayload>(),
    target: "fleet",
    role: "OPERATOR",
    sweep: { every: "scheduleEvaluationMs" },
  },
  // It may mark workers terminated and adopt instances, as only an admin may.
  reconcile: {
    payload: payload<NoPayload>(),
    target: "fleet",
    role: "ADMIN",
    sweep: { every: "reconcileMs" },
  },
  // Lands every accepted intent: queues again the jobs of pending outbox rows Redis lost, and of workers whose
  // desired status nothing is taking them to (the jobs README, "Convergence"). It starts stops and terminates,
  // as only an admin may ask for all of them.
  converge: {
    payload: payload<NoPayload>(),
    target: "fleet",
    role: "ADMIN",
    sweep: { every: "convergeMs" },
  },
  // Prices from the AWS Price List API and volume sizes, cached for every process; it only observes.
  "price-refresh": {
    payload: payload<NoPayload>(),
    target: "fleet",
    role: "OPERATOR",
    sweep: { every: "priceRefreshMs" },
  },
  // One fleet event POSTed to one notification channel, asked for by the notification relay under the id
  // notify.<channel id>.<event id>; its own queue, so a slow receiver never holds up a lifecycle job.
  notify: { payload: payload<{ channelId: string; eventId: number }>(), target: "fleet", role: "ADMIN" },
  // Asked for by testNotificationChannel, which waits for its answer: the POST leaves from a job process, never the API.
  "notify-test": { payload: payload<{ channelId: string; actor: Actor }>(), target: "fleet", role: "ADMIN" },
} as const satisfies Readonly<Record<string, JobKindRow>>;

type JobKindTable = typeof JOB_KIND_TABLE;
export type JobKind = keyof JobKindTable;

/** The kinds whose row matches `Row`, e.g. `JobKindsWhere<{ readonly target: "worker" }>`. */
export type JobKindsWhere<Row> = { [K in JobKind]: JobKindTable[K] extends Row ? K : never }[JobKind];

function isJobKind(name: string): name is JobKind {
  return Object.hasOwn(JOB_KIND_TABLE, name);
}

/** In the table's order. */
export const JOB_KINDS: readonly JobKind[] = Object.keys(JOB_KIND_TABLE).filter(isJobKind);

/** Data each job kind carries, from the table's payload column. */
export type JobPayloads = {
  [K in JobKind]: JobKindTable[K]["payload"] extends Payload<infer P> ? Exclude<P, undefined> : never;
};

export type SweepKind = JobKindsWhere<{ readonly sweep: SweepRule }>;
export function isSweepKind(kind: JobKind): kind is SweepKind {
  return "sweep" in JOB_KIND_TABLE[kind];
}
export const SWEEP_KINDS: readonly SweepKind[] = JOB_KINDS.filter(isSweepKind);
/** The names of the schedule intervals the sweeps are repeated by. */
export type SweepSchedule = JobKindTable[SweepKind]["sweep"]["every"];

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
  /** When a job process began processing it (BullMQ's processedOn); null while it waits. */
  readonly startedAt: Date | null;
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

/** The role that may ask for a kind of job, and so run a failed one again. */
export function roleForJobKind(kind: JobKind): OperationRole {
  const row: JobKindRow = JOB_KIND_TABLE[kind];
  return "operation" in row ? row.operation.mutation.role : row.role;
}

const JOB_ID_TAIL = /^[A-Za-z0-9_-]{1,64}(\.\d{1,9})?$/;
const SCHEDULED_JOB_ID = /^repeat:([a-z-]+):\d{1,16}$/;

/**
 * The kind of a job id the fleet makes, or null for any other text. The
 * queue makes `<kind>.<worker id>` (see {@link workerJobId}),
 * `<kind>.<random UUID>` for fleet-wide jobs, and BullMQ's scheduler
 * `repeat:<sweep kind>:<instant>` for sweeps. Anything else (BullMQ's own
 * keys such as "meta", "id" or "wait" among them) names no job.
 */
export function jobKindOfId(id: string): JobKind | null {
  const scheduled = SCHEDULED_JOB_ID.exec(id);
  if (scheduled !== null) {
    const kind = scheduled[1] ?? "";
    return isJobKind(kind) && isSweepKind(kind) ? kind : null;
  }
  const dot = id.indexOf(".");
  if (dot <= 0) {
    return null;
  }
  // Kinds hold no ".", so the first one ends the kind.
  const kind = id.slice(0, dot);
  return isJobKind(kind) && JOB_ID_TAIL.test(id.slice(dot + 1)) ? kind : null;
}
