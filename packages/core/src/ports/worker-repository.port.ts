import type { FleetEvent, NewFleetEvent } from "../domain/fleet-event";
import type { CmlLab, TelemetrySnapshot, Worker } from "../domain/worker";
import type { NewWorkerOperation } from "../domain/worker-operation";
import type { WorkerStatus } from "../domain/worker-status";

export interface WorkerFilter {
  readonly region?: string | undefined;
  readonly statuses?: readonly WorkerStatus[] | undefined;
  /** Case-insensitive substring of name, instance id or IP. */
  readonly search?: string | undefined;
  readonly tag?: { readonly key: string; readonly value: string } | undefined;
  /** Only the workers owned by one of these (a USER's name and groups); undefined: every worker. */
  readonly owners?: readonly string[] | undefined;
}

export interface WorkerPage {
  readonly workers: Worker[];
  readonly hasNextPage: boolean;
  readonly totalCount: number;
}

export interface TelemetrySample extends TelemetrySnapshot {
  readonly workerId: string;
}

/**
 * Who asked for a change, and how it went: one row of the audit log. A worker
 * change made for a person (an API mutation) carries its entry into the
 * change's transaction, so the log never claims a change that was not saved.
 */
export interface AuditEntry {
  readonly at: Date;
  /** Who: the token's name (or a system name). */
  readonly actor: string;
  readonly role: string | null;
  /** The GraphQL mutation name, e.g. "stopWorker". */
  readonly operation: string;
  /** The mutation's arguments with secrets already removed by the caller. */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** "ok", or the error code the caller received (e.g. "CONFLICT", "INTERNAL"). */
  readonly outcome: string;
  readonly errorMessage: string | null;
  readonly requestId: string | null;
}

export interface WorkerWriteOptions {
  /** Written in the same transaction as the worker and its events: all of them, or none. */
  readonly audit?: readonly AuditEntry[] | undefined;
  /**
   * The operation the change asks for: called inside the transaction, once
   * the worker, events and audit rows are written and just before the
   * commit, with the worker as saved. It queues the operation's job and
   * answers the outbox row, which is written in the same transaction. If it
   * throws (the queue is down) nothing of the change is saved; if the commit
   * fails after it queued the job, the job finds no row and does nothing.
   */
  readonly queueOperation?: ((saved: Worker) => Promise<NewWorkerOperation>) | undefined;
}

export interface SavedWorker {
  readonly worker: Worker;
  readonly events: FleetEvent[];
}

/** One worker's change in a batch (`saveMany`): the worker as `save` takes it, its events, and its labs if they moved. */
export interface WorkerBatchEntry {
  readonly worker: Worker;
  readonly events: readonly NewFleetEvent[];
  /** The labs that replace the stored ones, written only if the worker is (undefined: the stored labs stay). */
  readonly labs?: readonly CmlLab[] | undefined;
}

export interface SavedWorkerBatch {
  /** The workers written, with their events, in the order of the entries. */
  readonly saved: SavedWorker[];
  /** The ids of the entries not written: the stored version was not theirs any more (or the worker is gone). */
  readonly conflicts: string[];
}

/**
 * What a sweep's region step needs of a worker (its instance, and its last telemetry, which says whether
 * CloudWatch is due): a few hundred bytes instead of the whole worker, for every worker of a region.
 */
export interface WorkerInstanceRef {
  readonly id: string;
  readonly instanceId: string;
  readonly telemetry: TelemetrySnapshot | null;
}

/** An account and region (core's CloudTarget), as the repository lists them. */
export interface WorkerTarget {
  readonly accountId: string;
  readonly region: string;
}

/**
 * Persistence of workers and their history. `save` is optimistic: it writes
 * only when the stored version equals `worker.version` and stores version + 1,
 * else throws `ConcurrentModificationError`. Events and audit entries passed
 * with a change are written in the same transaction.
 */
export interface WorkerRepository {
  findById(id: string): Promise<Worker | null>;
  findByIds(ids: readonly string[]): Promise<Worker[]>;
  findByIdempotencyKey(key: string): Promise<Worker | null>;
  findByInstanceIds(instanceIds: readonly string[]): Promise<Worker[]>;
  /** Stable order (created at, then id); `after` is an opaque cursor from a previous page. */
  list(filter: WorkerFilter, first: number, after: string | null): Promise<WorkerPage>;
  /** Every worker that is not TERMINATED (for sweeps and reconciliation); of these owners when `owners` is given. */
  listActive(owners?: readonly string[] | null): Promise<Worker[]>;
  /**
   * The workers of one account and region that have an instance and are in none of `excludedStatuses`
   * (what a telemetry sweep looks at in a region), in the stable order; chosen by the store, not from the fleet.
   */
  listWithInstanceIn(
    target: WorkerTarget,
    excludedStatuses: readonly WorkerStatus[],
  ): Promise<WorkerInstanceRef[]>;
  /** The accounts and regions that hold such workers, each once. */
  targetsWithInstances(excludedStatuses: readonly WorkerStatus[]): Promise<WorkerTarget[]>;
  insert(
    worker: Worker,
    events: readonly NewFleetEvent[],
    options?: WorkerWriteOptions,
  ): Promise<SavedWorker>;
  save(worker: Worker, events: readonly NewFleetEvent[], options?: WorkerWriteOptions): Promise<SavedWorker>;
  /**
   * Many workers' changes in one transaction, each as optimistic as `save` (the stored version must be
   * `worker.version`, and becomes version + 1) but without failing the others: an entry whose version moved is
   * left unwritten and named in `conflicts`, for the caller to recompute. The events and labs of the entries
   * written are written with them. Entries name distinct workers.
   */
  saveMany(entries: readonly WorkerBatchEntry[]): Promise<SavedWorkerBatch>;
  appendEvents(events: readonly NewFleetEvent[]): Promise<FleetEvent[]>;
  /**
   * Newest first (at, then id); `after` is an opaque cursor from a previous page: the events older than it.
   * With `owners`, only the events of the workers they own (never a fleet-wide one).
   */
  listEvents(
    workerId: string | null,
    first: number,
    after?: string | null,
    owners?: readonly string[] | null,
  ): Promise<FleetEvent[]>;
  saveTelemetry(samples: readonly TelemetrySample[]): Promise<void>;
  recentTelemetry(workerId: string, limit: number): Promise<TelemetrySample[]>;
  /** `recentTelemetry` of many workers in one read (oldest first each; a worker without samples: empty). */
  recentTelemetryMany(workerIds: readonly string[], limit: number): Promise<Map<string, TelemetrySample[]>>;
  /** Deletes samples taken before `olderThan` (the retention rule); answers how many. */
  pruneTelemetry(olderThan: Date): Promise<number>;
  saveLabs(workerId: string, labs: readonly CmlLab[]): Promise<void>;
}
