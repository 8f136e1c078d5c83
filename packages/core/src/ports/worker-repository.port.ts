import type { FleetEvent, NewFleetEvent } from "../domain/fleet-event";
import type { CmlLab, TelemetrySnapshot, Worker } from "../domain/worker";
import type { WorkerStatus } from "../domain/worker-status";

export interface WorkerFilter {
  readonly region?: string | undefined;
  readonly statuses?: readonly WorkerStatus[] | undefined;
  /** Case-insensitive substring of name, instance id or IP. */
  readonly search?: string | undefined;
  readonly tag?: { readonly key: string; readonly value: string } | undefined;
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
 * Persistence of workers and their history. `save` is optimistic: it writes
 * only when the stored version equals `worker.version` and stores version + 1,
 * else throws `ConcurrentModificationError`. Events passed with a change are
 * written in the same transaction.
 */
export interface WorkerRepository {
  findById(id: string): Promise<Worker | null>;
  findByIds(ids: readonly string[]): Promise<Worker[]>;
  findByIdempotencyKey(key: string): Promise<Worker | null>;
  findByInstanceIds(instanceIds: readonly string[]): Promise<Worker[]>;
  /** Stable order (created at, then id); `after` is an opaque cursor from a previous page. */
  list(filter: WorkerFilter, first: number, after: string | null): Promise<WorkerPage>;
  /** Every worker that is not TERMINATED (for sweeps and reconciliation). */
  listActive(): Promise<Worker[]>;
  insert(worker: Worker, events: readonly NewFleetEvent[]): Promise<{ worker: Worker; events: FleetEvent[] }>;
  save(worker: Worker, events: readonly NewFleetEvent[]): Promise<{ worker: Worker; events: FleetEvent[] }>;
  appendEvents(events: readonly NewFleetEvent[]): Promise<FleetEvent[]>;
  listEvents(workerId: string | null, first: number): Promise<FleetEvent[]>;
  saveTelemetry(samples: readonly TelemetrySample[]): Promise<void>;
  recentTelemetry(workerId: string, limit: number): Promise<TelemetrySample[]>;
  /** Deletes samples taken before `olderThan` (the retention rule); answers how many. */
  pruneTelemetry(olderThan: Date): Promise<number>;
  saveLabs(workerId: string, labs: readonly CmlLab[]): Promise<void>;
}
