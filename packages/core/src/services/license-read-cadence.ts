import type { Worker } from "../domain/worker";
import type { LicenseStatus } from "../domain/worker-status";
import type { CmlSystemHealth, CmlSystemStats } from "../ports/cml-client.port";

/** CML_LICENSE_READ_INTERVAL's default: how often a sweep reads a settled license even when nothing hints at a change. */
export const DEFAULT_LICENSE_READ_INTERVAL_MS = 10 * 60_000;

/**
 * Whether a look reads the worker's license (`GET /licensing`).
 * - `always`: with the look's other questions.
 * - `if-changed`: only when the look's own answers contradict the stored
 *   license: health's `is_licensed` is not `licensed`, or the running nodes
 *   (which the license counts as nodes in use) are not `runningNodes`. Then
 *   it is read right after them, in the same look.
 */
export type LicenseReadPlan =
  | { readonly ask: "always" }
  | { readonly ask: "if-changed"; readonly licensed: boolean; readonly runningNodes: number };

export const ALWAYS_READ_LICENSE: LicenseReadPlan = { ask: "always" };

/**
 * The statuses a look may leave standing while CML's health agrees: settled
 * ones whose `is_licensed` is certain. Every other status is on its way
 * somewhere (REGISTERING, DEREGISTERING), unknown, or a problem a user is
 * watching (EXPIRED, INVALID), and is read every look.
 */
const SETTLED: Partial<Record<LicenseStatus, boolean>> = {
  REGISTERED: true,
  UNREGISTERED: false,
  EVALUATION: false,
};

/** FNV-1a of the id: spreads the workers' read times over the interval, the same in every process. */
function offsetOf(id: string, intervalMs: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index++) {
    hash = Math.imul(hash ^ id.charCodeAt(index), 0x01000193) >>> 0;
  }
  return hash % intervalMs;
}

/**
 * How a sweep's look at `worker` reads its license. A license changes
 * rarely, and always shows first in what the look asks anyway (health's
 * `is_licensed`, the running nodes), so a settled license is read again only
 * when those disagree with it, or once per `intervalMs` (its expiry and
 * renewal dates move without either). Each worker's interval is offset by
 * its id, so a sweep reads about `sweep period / intervalMs` of the fleet's
 * licenses rather than all of them every `intervalMs`. An interval of 0
 * reads every look.
 */
export function licenseReadPlan(worker: Worker, now: Date, intervalMs: number): LicenseReadPlan {
  const licensed = SETTLED[worker.license.status];
  const checkedAt = worker.license.checkedAt;
  const runningNodes = worker.telemetry?.runningNodes ?? null;
  if (intervalMs <= 0 || licensed === undefined || checkedAt === null || runningNodes === null) {
    return ALWAYS_READ_LICENSE;
  }
  const offset = offsetOf(worker.id, intervalMs);
  const period = (at: Date) => Math.floor((at.getTime() + offset) / intervalMs);
  if (period(now) !== period(checkedAt)) {
    return ALWAYS_READ_LICENSE;
  }
  return { ask: "if-changed", licensed, runningNodes };
}

/** Whether a look planned `if-changed` must read the license after all, from its own answers. */
export function licenseContradicted(
  plan: LicenseReadPlan,
  health: CmlSystemHealth,
  stats: CmlSystemStats,
): boolean {
  return (
    plan.ask === "always" || health.isLicensed !== plan.licensed || stats.runningNodes !== plan.runningNodes
  );
}
