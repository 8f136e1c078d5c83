import type { FleetState, WorkerEntry } from "./fleet-reducer";
import { type Job, WORKER_STATUSES, type Worker, type WorkerStatus } from "./fleet-types";

export const SORT_KEYS = ["name", "region", "status", "cpu", "idle", "cost"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface SortOrder {
  readonly key: SortKey;
  readonly descending: boolean;
}

/** Statuses in which an instance is billed by the hour. */
const BILLED_STATUSES: ReadonlySet<WorkerStatus> = new Set(["PENDING", "RUNNING", "STOPPING"]);

// Numeric collation puts worker-2 before worker-10; a shared collator is far cheaper than localeCompare.
const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
const byText = (a: string, b: string) => collator.compare(a, b);

/**
 * Every whitespace-separated term must appear (case-insensitively) in the
 * worker's name, region or status, so "east run" finds running workers in us-east-1.
 */
export function matchesFilter(worker: Worker, filter: string): boolean {
  const terms = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) {
    return true;
  }
  const haystack = `${worker.name} ${worker.region} ${worker.status}`.toLowerCase();
  return terms.every((term) => haystack.includes(term));
}

function idleMs(worker: Worker, now: number): number {
  return worker.idle.idleSince ? now - Date.parse(worker.idle.idleSince) : -1;
}

function compareBy(key: SortKey, now: number): (a: WorkerEntry, b: WorkerEntry) => number {
  switch (key) {
    case "name":
      return (a, b) => byText(a.worker.name, b.worker.name);
    case "region":
      return (a, b) => byText(a.worker.region, b.worker.region);
    case "status":
      return (a, b) => WORKER_STATUSES.indexOf(a.worker.status) - WORKER_STATUSES.indexOf(b.worker.status);
    case "cpu":
      return (a, b) => (a.worker.telemetry?.cpuPercent ?? -1) - (b.worker.telemetry?.cpuPercent ?? -1);
    case "idle":
      return (a, b) => idleMs(a.worker, now) - idleMs(b.worker, now);
    case "cost":
      return (a, b) => hourlyCost(a.worker) - hourlyCost(b.worker);
  }
}

/** The rows of the fleet table: filtered, then sorted (ties broken by name, then id, so rows never jump). */
export function selectVisibleWorkers(
  workers: ReadonlyMap<string, WorkerEntry>,
  filter: string,
  order: SortOrder,
  now: number,
): WorkerEntry[] {
  const compare = compareBy(order.key, now);
  const direction = order.descending ? -1 : 1;
  return [...workers.values()]
    .filter((entry) => matchesFilter(entry.worker, filter))
    .sort(
      (a, b) =>
        direction * compare(a, b) ||
        byText(a.worker.name, b.worker.name) ||
        (a.worker.id < b.worker.id ? -1 : a.worker.id > b.worker.id ? 1 : 0),
    );
}

/** What the worker costs per hour right now: its rate while billed, nothing while stopped. */
export function hourlyCost(worker: Worker): number {
  return BILLED_STATUSES.has(worker.status) ? worker.cost.hourlyRate : 0;
}

export interface FleetTotals {
  readonly total: number;
  readonly byStatus: ReadonlyMap<WorkerStatus, number>;
  readonly idle: number;
  readonly hourlyCost: number;
  readonly savedByAutoStop: number;
}

export function selectFleetTotals(workers: ReadonlyMap<string, WorkerEntry>): FleetTotals {
  const byStatus = new Map<WorkerStatus, number>();
  let idle = 0;
  let cost = 0;
  let saved = 0;
  for (const { worker } of workers.values()) {
    byStatus.set(worker.status, (byStatus.get(worker.status) ?? 0) + 1);
    if (worker.idle.isIdle) {
      idle += 1;
    }
    cost += hourlyCost(worker);
    saved += worker.cost.savedByAutoStop;
  }
  return { total: workers.size, byStatus, idle, hourlyCost: cost, savedByAutoStop: saved };
}

/** Jobs newest first. */
export function selectJobs(jobs: ReadonlyMap<string, Job>): Job[] {
  return [...jobs.values()].sort(
    (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || byText(a.id, b.id),
  );
}

/** The worker's running job, with the live progress from the job stream when it is newer. */
export function selectActiveJob(state: FleetState, worker: Worker): Job | null {
  if (!worker.activeJob) {
    return null;
  }
  return state.jobs.get(worker.activeJob.id) ?? worker.activeJob;
}

/**
 * First row of the scrolling window: moves only as far as needed to keep the
 * selected row visible (as k9s and less do), so the list does not jump.
 */
export function scrollOffset(previous: number, selected: number, height: number, total: number): number {
  const maxOffset = Math.max(0, total - height);
  let offset = Math.min(previous, maxOffset);
  if (selected < offset) {
    offset = selected;
  } else if (selected >= offset + height) {
    offset = selected - height + 1;
  }
  return Math.max(0, Math.min(offset, maxOffset));
}
