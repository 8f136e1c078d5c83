import { accruedCostUsd, autoStopSavingsUsd, hourlyRate, type PriceTable, type StatusPoint } from "./cost";
import type { IdlePolicySettings } from "./idle-policy";
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
  readonly hourlyRate: number;
  readonly accrued: number;
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
  prices: PriceTable,
  now: Date,
): WorkerCostView {
  const rate = hourlyRate(prices, worker.instanceType, worker.region) ?? 0;
  const points = pricedHistory(worker, history);
  return {
    hourlyRate: rate,
    accrued: accruedCostUsd(points, rate, now),
    savedByAutoStop: autoStopSavingsUsd(points, autoStops, rate, now),
  };
}
