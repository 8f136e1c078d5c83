import { ValidationError } from "../errors";
import type { Actor } from "./actor";
import type { IdleDecision } from "./idle-policy";
import type { IdleTracking, Worker, WorkerIdlePolicy } from "./worker";
import { changed, unchanged, type WorkerChange, workerEvent } from "./worker-changes-common";

const MAX_THRESHOLD_MINUTES = 7 * 24 * 60;

const NO_WARNING: Pick<IdleTracking, "idleSince" | "warnedAt" | "autoStopAt"> = {
  idleSince: null,
  warnedAt: null,
  autoStopAt: null,
};

/** Sets the per-worker overrides of the idle policy; null fields follow the fleet default. */
export function setIdlePolicy(
  worker: Worker,
  policy: WorkerIdlePolicy,
  actor: Actor,
  reason: string | null,
  now: Date,
): WorkerChange {
  const minutes = policy.thresholdMinutes;
  if (minutes !== null && (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_THRESHOLD_MINUTES)) {
    throw new ValidationError(
      "thresholdMinutes",
      `must be a whole number of minutes from 1 to ${MAX_THRESHOLD_MINUTES}`,
    );
  }
  if (policy.enabled === worker.idlePolicy.enabled && minutes === worker.idlePolicy.thresholdMinutes) {
    return unchanged(worker);
  }
  const describe = (p: WorkerIdlePolicy) =>
    `${p.enabled === null ? "fleet default" : p.enabled ? "on" : "off"}, threshold ${
      p.thresholdMinutes === null ? "fleet default" : `${p.thresholdMinutes} min`
    }`;
  const event = workerEvent(
    worker,
    "worker.idle_policy_changed",
    `${worker.name}: auto-stop: ${describe(policy)}`,
    {
      actor,
      reason,
      now,
      data: { from: worker.idlePolicy, to: policy },
    },
  );
  // A policy turned off (or lengthened) must not leave a stale warning behind; the next check re-warns if due.
  return changed(worker, { idlePolicy: { ...policy }, idle: { ...worker.idle, ...NO_WARNING } }, now, [
    event,
  ]);
}

/**
 * Keeps the worker from being auto-stopped until `until`; an instant not in
 * the future clears the keep-alive. Any pending idle warning is withdrawn.
 */
export function keepAlive(
  worker: Worker,
  until: Date,
  actor: Actor,
  reason: string | null,
  now: Date,
): WorkerChange {
  const keepAliveUntil = until.getTime() > now.getTime() ? until : null;
  if (keepAliveUntil?.getTime() === worker.idle.keepAliveUntil?.getTime() && worker.idle.warnedAt === null) {
    return unchanged(worker);
  }
  const what =
    keepAliveUntil === null ? "keep-alive cleared" : `kept alive until ${keepAliveUntil.toISOString()}`;
  const event = workerEvent(worker, "worker.keep_alive", `${worker.name}: ${what}`, {
    actor,
    reason,
    now,
    data: { until: keepAliveUntil, cancelledWarning: worker.idle.warnedAt !== null },
  });
  return changed(worker, { idle: { ...worker.idle, ...NO_WARNING, keepAliveUntil } }, now, [event]);
}

/** Remembers the latest user activity seen on the worker's CML; never moves back, no event (activity is not news). */
export function recordActivity(worker: Worker, lastActivityAt: Date, now: Date): WorkerChange {
  const known = worker.idle.lastActivityAt;
  if (known !== null && known.getTime() >= lastActivityAt.getTime()) {
    return unchanged(worker);
  }
  return changed(worker, { idle: { ...worker.idle, lastActivityAt } }, now, []);
}

export interface IdleWarningOptions {
  /**
   * The least time between the warning and the stop it announces: a check that
   * runs late (the sweep was down, the policy just got stricter) moves the stop
   * out rather than giving less notice than the policy promises.
   */
  readonly leadMs?: number;
  /** Extra figures for the event (the policy numbers the verdict rested on). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * Warns, once per quiet stretch, that the worker will be stopped at the
 * decision's `stopAt` (or `leadMs` from now, if later) unless it is used.
 */
export function markIdleWarning(
  worker: Worker,
  decision: IdleDecision,
  actor: Actor,
  now: Date,
  options: IdleWarningOptions = {},
): WorkerChange {
  const { idleSince, stopAt } = decision;
  if (idleSince === null || stopAt === null) {
    throw new ValidationError(
      "decision",
      `a ${decision.reasonCode} verdict carries no idle stretch to warn about`,
    );
  }
  if (worker.idle.warnedAt !== null && worker.idle.idleSince?.getTime() === idleSince.getTime()) {
    return unchanged(worker);
  }
  const autoStopAt = new Date(Math.max(stopAt.getTime(), now.getTime() + (options.leadMs ?? 0)));
  // A sentence, not "name: what happened": it is what the people using the worker get to read.
  const event = workerEvent(
    worker,
    "worker.idle_warning",
    `${worker.name} is idle and will be stopped at ${autoStopAt.toISOString()} unless it is used`,
    { actor, reason: decision.reason, now, data: { ...options.data, autoStopAt: autoStopAt.toISOString() } },
  );
  return changed(worker, { idle: { ...worker.idle, idleSince, warnedAt: now, autoStopAt } }, now, [event]);
}

/** Withdraws a warning because the worker is in use again (or otherwise no longer idle). */
export function cancelIdleWarning(worker: Worker, reason: string, actor: Actor, now: Date): WorkerChange {
  if (worker.idle.warnedAt === null) {
    return unchanged(worker);
  }
  const event = workerEvent(
    worker,
    "worker.idle_warning_cancelled",
    `${worker.name}: idle warning cancelled`,
    { actor, reason, now },
  );
  return changed(worker, { idle: { ...worker.idle, ...NO_WARNING } }, now, [event]);
}
