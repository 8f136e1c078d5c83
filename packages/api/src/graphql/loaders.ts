import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import { type JobInfo, workerJobId } from "@cml-fleet/core/domain/job";
import type { WorkerSnapshot } from "@cml-fleet/core/domain/snapshot";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import type { SnapshotStore } from "@cml-fleet/core/ports/snapshot-store.port";
import type { WorkerReadModel } from "@cml-fleet/core/ports/worker-read-model.port";
import type { TelemetrySample } from "@cml-fleet/core/ports/worker-repository.port";
import type { AutoStopReadModel, CostInputs } from "@cml-fleet/platform/repositories/worker-read-model";
import DataLoader from "dataloader";
import { AUTO_STOP_EVENT_WINDOW } from "./list-bounds";
import { createScheduleLoaders, type ScheduleLoaderDeps, type ScheduleLoaders } from "./schedule-loaders";

/**
 * Per-request batch loaders for the nested fields of a page of workers: one
 * statement per field (and per distinct `first`), whatever the page size.
 */
export interface WorkerLoaders {
  /** Status history and auto-stops (see {@link AUTO_STOP_EVENT_WINDOW}) in one statement: what cost needs. */
  costInputs: DataLoader<string, CostInputs>;
  recentTelemetry(perWorker: number): DataLoader<string, TelemetrySample[]>;
  events(perWorker: number): DataLoader<string, FleetEvent[]>;
  /** The job of the worker's pending operation, if any; one pipelined Redis read per batch, never SQL. */
  activeJob: DataLoader<string, JobInfo | null>;
  /** Each worker's snapshots, newest first. */
  snapshots: DataLoader<string, WorkerSnapshot[]>;
  /** Schedules, their workers and lead times (see schedule-loaders.ts). */
  schedules: ScheduleLoaders;
}

export interface WorkerLoaderDeps {
  readonly readModel: WorkerReadModel & Pick<AutoStopReadModel, "costInputsMany">;
  readonly jobs: Pick<JobQueue, "getMany">;
  readonly snapshots: Pick<SnapshotStore, "listForWorkers">;
  readonly schedules: ScheduleLoaderDeps;
}

const ACTIVE_JOB_KINDS = ["provision", "start", "stop", "terminate"] as const;

export function createWorkerLoaders(deps: WorkerLoaderDeps): WorkerLoaders {
  const telemetryByLimit = new Map<number, DataLoader<string, TelemetrySample[]>>();
  const eventsByLimit = new Map<number, DataLoader<string, FleetEvent[]>>();

  return {
    costInputs: new DataLoader(async (ids) => {
      const found = await deps.readModel.costInputsMany(ids, AUTO_STOP_EVENT_WINDOW);
      return ids.map((id) => found.get(id) ?? { history: [], autoStops: [] });
    }),
    recentTelemetry: (perWorker) =>
      memo(
        telemetryByLimit,
        perWorker,
        () =>
          new DataLoader(async (ids) => pick(ids, await deps.readModel.recentTelemetryMany(ids, perWorker))),
      ),
    events: (perWorker) =>
      memo(
        eventsByLimit,
        perWorker,
        () => new DataLoader(async (ids) => pick(ids, await deps.readModel.eventsMany(ids, perWorker))),
      ),
    activeJob: new DataLoader(async (workerIds) => activeJobsOf(deps.jobs, workerIds)),
    snapshots: new DataLoader(async (ids) => pick(ids, await deps.snapshots.listForWorkers(ids))),
    schedules: createScheduleLoaders(deps.schedules),
  };
}

/**
 * Each worker's lifecycle job that is still queued or running (at most one
 * kind runs at a time; the newest wins): every candidate job of the batch in
 * one round trip.
 */
async function activeJobsOf(jobs: Pick<JobQueue, "getMany">, workerIds: readonly string[]) {
  const found = await jobs.getMany(
    workerIds.flatMap((workerId) => ACTIVE_JOB_KINDS.map((kind) => workerJobId(kind, workerId))),
  );
  return workerIds.map((workerId) => {
    let newest: JobInfo | null = null;
    for (const kind of ACTIVE_JOB_KINDS) {
      const job = found.get(workerJobId(kind, workerId));
      const open = job !== undefined && job.state !== "COMPLETED" && job.state !== "FAILED";
      if (open && (newest === null || job.createdAt.getTime() > newest.createdAt.getTime())) {
        newest = job;
      }
    }
    return newest;
  });
}

function pick<T>(ids: readonly string[], found: Map<string, T[]>): T[][] {
  return ids.map((id) => found.get(id) ?? []);
}

function memo<K, V>(cache: Map<K, V>, key: K, create: () => V): V {
  const existing = cache.get(key);
  if (existing !== undefined) {
    return existing;
  }
  const created = create();
  cache.set(key, created);
  return created;
}
