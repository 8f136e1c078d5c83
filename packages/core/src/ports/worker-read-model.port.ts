import type { FleetEvent } from "../domain/fleet-event";
import type { LicenseStatus, WorkerStatus } from "../domain/worker-status";
import type { TelemetrySample } from "./worker-repository.port";

/**
 * A status a worker entered, and when, read from its events: `worker.created`
 * (PENDING), `worker.imported` (`data.status`), `worker.status_changed`
 * (`data.to`), `worker.failed` (FAILED) and `worker.terminated` (TERMINATED).
 * Same shape as the cost module's `StatusPoint`.
 */
export interface StatusHistoryEntry {
  readonly status: WorkerStatus;
  readonly at: Date;
}

/** Workers per status, region and instance type: enough to price the running fleet. */
export interface FleetCountGroup {
  readonly status: WorkerStatus;
  readonly region: string;
  readonly instanceType: string;
  readonly count: number;
}

export interface FleetCounts {
  /** Every worker, terminated ones included. */
  readonly total: number;
  readonly byStatus: Readonly<Record<WorkerStatus, number>>;
  /** Workers not terminated whose current idle stretch has begun (`idle.idleSince` set). */
  readonly idle: number;
  /** Workers not terminated with an idle warning outstanding. */
  readonly warned: number;
  /** Workers not terminated, by the license status last read from their CML. */
  readonly byLicenseStatus: Readonly<Record<LicenseStatus, number>>;
  readonly groups: readonly FleetCountGroup[];
}

/**
 * Batch reads for pages of workers: each method is one statement whatever the
 * number of ids, and every requested id is a key of the returned map (with an
 * empty list when it has nothing).
 */
export interface WorkerReadModel {
  /** Oldest first. */
  statusHistoryMany(workerIds: readonly string[]): Promise<Map<string, StatusHistoryEntry[]>>;
  /** The latest `perWorker` samples of each worker, oldest first. */
  recentTelemetryMany(
    workerIds: readonly string[],
    perWorker: number,
  ): Promise<Map<string, TelemetrySample[]>>;
  /** The latest `perWorker` events of each worker, newest first. */
  eventsMany(workerIds: readonly string[], perWorker: number): Promise<Map<string, FleetEvent[]>>;
  /** Over the workers of these owners when `owners` is given, else over the fleet. */
  fleetCounts(owners?: readonly string[] | null): Promise<FleetCounts>;
  /** The ids of the workers one of `owners` owns (among `among` when given), oldest first. */
  ownedWorkerIds(owners: readonly string[], among?: readonly string[]): Promise<string[]>;
  /** The owner of each worker (null: nobody's); a worker that does not exist is not a key. */
  ownersOf(workerIds: readonly string[]): Promise<Map<string, string | null>>;
}
