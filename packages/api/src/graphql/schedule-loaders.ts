import type { Schedule } from "@cml-fleet/core/domain/schedule";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type { ScheduleStore, StartHistory } from "@cml-fleet/core/ports/schedule-store.port";
import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import { createLeadTimes, type ScheduleLeadConfig } from "@cml-fleet/core/services/schedule-lead-time";
import DataLoader from "dataloader";

/** Per-request loaders of schedules and what hangs off them: one statement per field, whatever the page. */
export interface ScheduleLoaders {
  /** A schedule by id (null when it is gone). */
  byId: DataLoader<string, Schedule | null>;
  /** The workers (not terminated) on each schedule, by name. */
  workers: DataLoader<string, Worker[]>;
  /** The lead time (ms) for a worker's region and instance type; key `region/instanceType`. */
  leadMs: DataLoader<string, number>;
}

export interface ScheduleLoaderDeps {
  readonly schedules: Pick<ScheduleStore, "findByIds" | "workerIdsOf"> & StartHistory;
  readonly scheduleLead: ScheduleLeadConfig;
  readonly workers: Pick<WorkerRepository, "findByIds">;
}

export function leadKey(worker: Pick<Worker, "region" | "instanceType">): string {
  return `${worker.region}/${worker.instanceType}`;
}

export function createScheduleLoaders(deps: ScheduleLoaderDeps): ScheduleLoaders {
  const leadTimes = createLeadTimes(deps.schedules, deps.scheduleLead);
  return {
    byId: new DataLoader(async (ids) => {
      const found = new Map((await deps.schedules.findByIds(ids)).map((schedule) => [schedule.id, schedule]));
      return ids.map((id) => found.get(id) ?? null);
    }),
    workers: new DataLoader(async (scheduleIds) => {
      const idsBySchedule = await deps.schedules.workerIdsOf(scheduleIds);
      const all = [...new Set([...idsBySchedule.values()].flat())];
      const workers = new Map((await deps.workers.findByIds(all)).map((worker) => [worker.id, worker]));
      return scheduleIds.map((id) =>
        (idsBySchedule.get(id) ?? []).flatMap((workerId) => workers.get(workerId) ?? []),
      );
    }),
    // One start-history read per region and instance type of the page (a handful), not per worker.
    leadMs: new DataLoader(async (keys) =>
      Promise.all(
        keys.map((key) => {
          const slash = key.indexOf("/");
          return leadTimes.leadMs({ region: key.slice(0, slash), instanceType: key.slice(slash + 1) });
        }),
      ),
    ),
  };
}
