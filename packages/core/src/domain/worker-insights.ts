import { accruedWorkerCostUsd, autoStopSavingsUsd, hourlyCostIn, type StatusPoint } from "./cost";
import type { IdlePolicySettings } from "./idle-policy";
import { instanceRateOf, type PriceBook, type PriceSource, storageRateOf } from "./price-book";
import type { Worker } from "./worker";

/** The idle figures a client shows for a worker. */
export interface IdleStateView {
  readonly enabled: boolean;
  readonly thresholdMinutes: number;
  readonly isIdle: boolean;
  readonly lastActivityAt: Date | null;
  readonly idleSince: Date | null;
  readonly autoStopAt: Date | null;
  readonly keepAliveUntil: Date | null;
}

export interface WorkerCostView {
  /** The instance's USD per hour while it runs (its storage aside). */
  readonly hourlyRate: number;
  readonly priceSource: PriceSource;
  /** USD per hour of its EBS volumes, billed running or stopped. */
  readonly storageHourlyRate: number;
  readonly storageGiB: number | null;
  readonly storagePriceSource: PriceSource;
  /** What it costs per hour in its current status: instance and storage, or storage alone while stopped. */
  readonly hourlyCost: number;
  /** USD spent: instance-hours while billed, plus storage for as long as it had volumes. */
  readonly accrued: number;
  /** Instance-hours the idle policy saved; storage is paid either way, so it is no saving. */
  readonly savedByAutoStop: number;
}

/** The worker's own policy where it has one, else the fleet's; the tracking is what the idle check recorded. */
export function idleStateOf(
  worker: Worker,
  fleet: Pick<IdlePolicySettings, "autoShutdownEnabled" | "thresholdMs">,
  now: Date,
): IdleStateView {
  const keepAliveUntil = worker.idle.keepAliveUntil;
  return {
    enabled: worker.idlePolicy.enabled ?? fleet.autoShutdownEnabled,
    thresholdMinutes: worker.idlePolicy.thresholdMinutes ?? fleet.thresholdMs / 60_000,
    isIdle: worker.status === "RUNNING" && worker.idle.idleSince !== null,
    lastActivityAt: worker.idle.lastActivityAt,
    idleSince: worker.idle.idleSince,
    autoStopAt: worker.idle.autoStopAt,
    keepAliveUntil:
      keepAliveUntil !== null && keepAliveUntil.getTime() > now.getTime() ? keepAliveUntil : null,
  };
}

/**
 * A worker's history for pricing: the recorded status changes, or (before
 * the first one) the status it has held since `statusChangedAt`.
 */
export function pricedHistory(worker: Worker, history: readonly StatusPoint[]): StatusPoint[] {
  return history.length > 0 ? [...history] : [{ status: worker.status, at: worker.statusChangedAt }];
}

export function costOf(
  worker: Worker,
  history: readonly StatusPoint[],
  autoStops: readonly Date[],
  prices: PriceBook,
  now: Date,
): WorkerCostView {
  const instance = instanceRateOf(prices, worker.instanceType, worker.region);
  const storage = storageRateOf(prices, worker.instanceId, worker.region);
  const rates = { instanceHourlyUsd: instance.usd ?? 0, storageHourlyUsd: storage.hourlyUsd };
  const points = pricedHistory(worker, history);
  return {
    hourlyRate: rates.instanceHourlyUsd,
    priceSource: instance.source,
    storageHourlyRate: rates.storageHourlyUsd,
    storageGiB: storage.sizeGiB,
    storagePriceSource: storage.source,
    hourlyCost: hourlyCostIn(worker.status, rates),
    accrued: accruedWorkerCostUsd(points, rates, now),
    savedByAutoStop: autoStopSavingsUsd(points, autoStops, rates.instanceHourlyUsd, now),
  };
}
