import type { WorkerStatus } from "./worker-status";

/** USD per hour by instance type, with per-region overrides; `Settings["pricing"]` satisfies it. */
export interface PriceTable {
  readonly hourlyUsd: Readonly<Record<string, number>>;
  readonly regionalHourlyUsd: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** A worker entered `status` at `at`; a status history is a list of these. */
export interface StatusPoint {
  readonly status: WorkerStatus;
  readonly at: Date;
}

export interface TimeWindow {
  readonly from: Date;
  readonly to: Date;
}

/**
 * Statuses counted as billed. EC2 bills per second while an instance runs;
 * the fleet also counts PENDING and STOPPING, when the instance is booting
 * or shutting its guest down and the capacity is held. That makes accrued
 * cost a slight overestimate (EC2 itself does not bill those states unless
 * the instance hibernates), which is the safe side for a budget. FAILED and
 * UNKNOWN are not counted: the fleet cannot tell, and reconciliation soon
 * replaces them with an observed state. EC2's one-minute minimum per start
 * is not modelled.
 */
export const BILLED_STATUSES: ReadonlySet<WorkerStatus> = new Set(["PENDING", "RUNNING", "STOPPING"]);

/**
 * Statuses in which the worker's EBS volumes exist and are billed: every
 * status from launch until the instance is terminated (its volumes are
 * deleted with it), stopped included. FAILED and UNKNOWN are left out for
 * the same reason as above.
 */
export const STORAGE_BILLED_STATUSES: ReadonlySet<WorkerStatus> = new Set([
  "PENDING",
  "RUNNING",
  "STOPPING",
  "STOPPED",
  "SHUTTING_DOWN",
]);

const HOUR_MS = 3_600_000;

/** EBS prices are per GB-month; AWS prorates them over a 730-hour month (365 days * 24 / 12). */
export const HOURS_PER_MONTH = 730;

/** USD per hour of `sizeGiB` of EBS storage priced at `gbMonthUsd`. */
export function storageHourlyUsd(sizeGiB: number, gbMonthUsd: number): number {
  return (sizeGiB * gbMonthUsd) / HOURS_PER_MONTH;
}

/** What one worker costs per hour: the instance while it runs, its storage while it has volumes. */
export interface WorkerRates {
  readonly instanceHourlyUsd: number;
  readonly storageHourlyUsd: number;
}

/** USD per hour in `status`: instance and storage while billed, storage alone while stopped. */
export function hourlyCostIn(status: WorkerStatus, rates: WorkerRates): number {
  const instance = BILLED_STATUSES.has(status) ? rates.instanceHourlyUsd : 0;
  const storage = STORAGE_BILLED_STATUSES.has(status) ? rates.storageHourlyUsd : 0;
  return instance + storage;
}

/** The hourly rate of a type in a region (the region's override first), or null when it has no price. */
export function hourlyRate(prices: PriceTable, instanceType: string, region: string): number | null {
  return prices.regionalHourlyUsd[region]?.[instanceType] ?? prices.hourlyUsd[instanceType] ?? null;
}

interface Stretch {
  readonly status: WorkerStatus;
  readonly from: number;
  readonly to: number;
}

/** The history as consecutive stretches, the last one running until `now`; order of input does not matter. */
function stretches(history: readonly StatusPoint[], now: Date): Stretch[] {
  const sorted = [...history].sort((a, b) => a.at.getTime() - b.at.getTime());
  return sorted.map((point, index) => ({
    status: point.status,
    from: point.at.getTime(),
    to: Math.max(point.at.getTime(), (sorted[index + 1]?.at ?? now).getTime()),
  }));
}

function overlap(stretch: Stretch, window: TimeWindow | undefined): number {
  const from = window === undefined ? stretch.from : Math.max(stretch.from, window.from.getTime());
  const to = window === undefined ? stretch.to : Math.min(stretch.to, window.to.getTime());
  return Math.max(0, to - from);
}

/** Milliseconds spent in billed statuses up to `now`, optionally only within `window`. */
export function billedMilliseconds(history: readonly StatusPoint[], now: Date, window?: TimeWindow): number {
  return stretches(history, now)
    .filter((stretch) => BILLED_STATUSES.has(stretch.status))
    .reduce((total, stretch) => total + overlap(stretch, window), 0);
}

/** Milliseconds in which the worker had volumes (every status but TERMINATED, FAILED, UNKNOWN), up to `now`. */
export function storageBilledMilliseconds(
  history: readonly StatusPoint[],
  now: Date,
  window?: TimeWindow,
): number {
  return stretches(history, now)
    .filter((stretch) => STORAGE_BILLED_STATUSES.has(stretch.status))
    .reduce((total, stretch) => total + overlap(stretch, window), 0);
}

/** USD accrued by the instance and its storage up to `now`: storage is billed while stopped too. */
export function accruedWorkerCostUsd(
  history: readonly StatusPoint[],
  rates: WorkerRates,
  now: Date,
  window?: TimeWindow,
): number {
  return (
    accruedCostUsd(history, rates.instanceHourlyUsd, now, window) +
    (storageBilledMilliseconds(history, now, window) / HOUR_MS) * rates.storageHourlyUsd
  );
}

/** USD accrued by a worker billed at `hourlyUsd`, up to `now` (optionally within `window`). */
export function accruedCostUsd(
  history: readonly StatusPoint[],
  hourlyUsd: number,
  now: Date,
  window?: TimeWindow,
): number {
  return (billedMilliseconds(history, now, window) / HOUR_MS) * hourlyUsd;
}

/**
 * Milliseconds a worker stayed STOPPED because the idle policy stopped it:
 * for each auto-stop, the STOPPED stretch that follows it, until the next
 * status change (a start, or a terminate, which is no longer the policy's
 * saving) or `now`.
 */
export function autoStopSavedMilliseconds(
  history: readonly StatusPoint[],
  autoStops: readonly Date[],
  now: Date,
  window?: TimeWindow,
): number {
  const all = stretches(history, now);
  const counted = new Set<Stretch>();
  for (const stop of autoStops) {
    const stoppedAfter = all.find((stretch) => stretch.status === "STOPPED" && stretch.to > stop.getTime());
    if (stoppedAfter !== undefined && onlyStoppingBetween(all, stop, stoppedAfter)) {
      counted.add(stoppedAfter);
    }
  }
  return [...counted].reduce((total, stretch) => total + overlap(stretch, window), 0);
}

/**
 * Whether the worker went from the auto-stop to `stopped` directly: if it was
 * started (or failed) in between, that later STOPPED stretch is someone
 * else's stop, not the policy's saving.
 */
function onlyStoppingBetween(all: readonly Stretch[], stop: Date, stopped: Stretch): boolean {
  return all
    .filter((stretch) => stretch.from > stop.getTime() && stretch.from < stopped.from)
    .every((stretch) => stretch.status === "STOPPING");
}

/**
 * USD the idle policy saved: hours kept stopped by auto-stops times the
 * instance's hourly rate. Pass the instance rate alone, never instance plus
 * storage: the volumes are billed whether the worker runs or not, so a stop
 * saves the instance-hours and nothing else.
 */
export function autoStopSavingsUsd(
  history: readonly StatusPoint[],
  autoStops: readonly Date[],
  hourlyUsd: number,
  now: Date,
  window?: TimeWindow,
): number {
  return (autoStopSavedMilliseconds(history, autoStops, now, window) / HOUR_MS) * hourlyUsd;
}
