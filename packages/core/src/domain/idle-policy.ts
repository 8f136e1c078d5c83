import type { TelemetrySnapshot, Worker } from "./worker";

/**
 * The fleet-wide idle policy; `Settings["idle"]` satisfies it. Durations in ms.
 */
export interface IdlePolicySettings {
  readonly autoShutdownEnabled: boolean;
  /** Quiet this long: the worker is stopped. */
  readonly thresholdMs: number;
  /** Quiet this long: a warning is raised (before the stop). */
  readonly warningAfterMs: number;
  readonly snoozeAfterStartMs: number;
  readonly minUptimeMs: number;
  /** Telemetry older than this is as good as none. */
  readonly staleTelemetryMs: number;
  readonly cpuVetoPercent: number;
}

export type IdleWorkerView = Pick<Worker, "status" | "serviceStatus" | "telemetry" | "idle" | "idlePolicy">;

export interface IdleInput {
  readonly worker: IdleWorkerView;
  /** User-intent events seen on the worker's CML (the fleet's own account excluded); any order. */
  readonly activity: readonly { readonly at: Date }[];
  /** Recent telemetry samples, any order; they tell when nodes and labs last went to zero. */
  readonly recentTelemetry: readonly TelemetrySnapshot[];
  /** When the instance last booted (EC2 launch time); defaults to the worker's last start. */
  readonly bootedAt?: Date | null;
  readonly policy: IdlePolicySettings;
  readonly now: Date;
  /** What the worker's schedule says now; absent or null: it is on none. */
  readonly schedule?: ScheduleHold | null | undefined;
}

/**
 * A schedule's say in the idle decision. An open window holds the worker like
 * a keep-alive. Once the window it ran through has closed, the schedule stops
 * it through the same warning and stop as an idle one, brought forward: the
 * warning at the closing, the stop a warning lead later, when it has been
 * quiet since before the closing (otherwise the ordinary idle policy applies).
 */
export interface ScheduleHold {
  /** The closing of the window open now; null when none is open. */
  readonly openUntil: Date | null;
  /** The closing of the last window the worker ran through; null when none (or started after it). */
  readonly closedAt: Date | null;
  /** For reasons people read: the schedule and its window. */
  readonly label: string;
}

export const IDLE_REASON_CODES = [
  "IDLE",
  "IDLE_WARNING",
  "QUIET",
  "DISABLED",
  "NOT_RUNNING",
  "SERVICE_NOT_AVAILABLE",
  "KEEP_ALIVE",
  "SCHEDULE_WINDOW",
  "SNOOZED_AFTER_START",
  "UPTIME_UNKNOWN",
  "MIN_UPTIME_NOT_REACHED",
  "NO_TELEMETRY",
  "TELEMETRY_STALE",
  "CML_UNREACHABLE",
  "NODES_UNKNOWN",
  "NODES_RUNNING",
  "LABS_UNKNOWN",
  "LABS_STARTED",
  "CPU_BUSY",
] as const;
export type IdleReasonCode = (typeof IDLE_REASON_CODES)[number];

/**
 * The verdict on one worker at `now`:
 * - `IDLE` (`idle: true`): quiet for the whole threshold; stop it now.
 * - `IDLE_WARNING`: quiet past the warning time; warn (once) that it stops at `stopAt`.
 * - `QUIET`: nothing vetoes idleness, but it has not been quiet long enough to warn.
 * - any other code: a veto; the worker is not idle and the timestamps are null.
 */
export interface IdleDecision {
  readonly idle: boolean;
  readonly reasonCode: IdleReasonCode;
  /** One line for people (event reasons, the TUI). */
  readonly reason: string;
  /** Start of the current quiet stretch; null on a veto. */
  readonly idleSince: Date | null;
  readonly warnAt: Date | null;
  readonly stopAt: Date | null;
  /** The stop is the schedule's (its window closed), not the idle threshold's. */
  readonly scheduledStop?: boolean;
}

const MINUTE_MS = 60_000;

function veto(reasonCode: IdleReasonCode, reason: string): IdleDecision {
  return { idle: false, reasonCode, reason, idleSince: null, warnAt: null, stopAt: null };
}

function latest(dates: readonly (Date | null | undefined)[]): Date | null {
  let result: Date | null = null;
  for (const date of dates) {
    if (date != null && (result === null || date.getTime() > result.getTime())) {
      result = date;
    }
  }
  return result;
}

function minutes(ms: number): string {
  const value = ms / MINUTE_MS;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} min`;
}

/**
 * Decides whether a worker is idle. CPU alone lies (a student can read a
 * static lab's console at 1% CPU), so idleness rests on CML's own figures,
 * and it fails closed: anything unknown, stale or unreachable is a veto.
 *
 * Unknown CPU alone is tolerated: by the time it is checked, fresh CML
 * figures from a reachable API already show zero running nodes and zero
 * started labs, and CloudWatch often has no datapoint for a freshly started
 * instance. A known CPU at or above the veto percent still vetoes.
 *
 * The quiet stretch starts at the latest of: the last user activity, the last
 * start, the boot, the end of the snooze window, the end of a keep-alive, and
 * the last sample that showed running nodes or started labs. Counting from the
 * ends of the snooze and keep-alive windows (not only from the start) keeps
 * the warning period: otherwise a worker would be stopped without warning the
 * moment its snooze ended.
 *
 * A per-worker threshold keeps the fleet's warning lead (threshold minus
 * warning time): the warning comes that long before the stop, never before
 * the quiet stretch began.
 */
export function decideIdle(input: IdleInput): IdleDecision {
  const { worker, policy, now } = input;
  const nowMs = now.getTime();
  const enabled = worker.idlePolicy.enabled ?? policy.autoShutdownEnabled;
  const schedule = input.schedule ?? null;
  const scheduleClosedAt = schedule?.closedAt ?? null;
  // A schedule's closing stops the worker even with auto-stop off: that is what the schedule is for.
  if (!enabled && scheduleClosedAt === null) {
    return veto(
      "DISABLED",
      worker.idlePolicy.enabled === false
        ? "auto-stop is off for this worker"
        : "auto-stop is off for the fleet",
    );
  }
  if (worker.status !== "RUNNING") {
    return veto("NOT_RUNNING", `the worker is ${worker.status}, not RUNNING`);
  }
  if (worker.serviceStatus !== "AVAILABLE") {
    return veto("SERVICE_NOT_AVAILABLE", `the CML service is ${worker.serviceStatus}, not AVAILABLE`);
  }
  const keepAliveUntil = worker.idle.keepAliveUntil;
  if (keepAliveUntil !== null && keepAliveUntil.getTime() > nowMs) {
    return veto("KEEP_ALIVE", `kept alive until ${keepAliveUntil.toISOString()}`);
  }
  if (schedule !== null && schedule.openUntil !== null && schedule.openUntil.getTime() > nowMs) {
    return veto("SCHEDULE_WINDOW", `${schedule.label} is open until ${schedule.openUntil.toISOString()}`);
  }
  const lastStartedAt = worker.idle.lastStartedAt;
  const snoozeEnd =
    lastStartedAt === null ? null : new Date(lastStartedAt.getTime() + policy.snoozeAfterStartMs);
  if (snoozeEnd !== null && snoozeEnd.getTime() > nowMs) {
    return veto("SNOOZED_AFTER_START", `started less than ${minutes(policy.snoozeAfterStartMs)} ago`);
  }
  const bootedAt = input.bootedAt ?? lastStartedAt;
  if (bootedAt === null) {
    return veto("UPTIME_UNKNOWN", "the boot time is unknown");
  }
  if (nowMs - bootedAt.getTime() < policy.minUptimeMs) {
    return veto("MIN_UPTIME_NOT_REACHED", `up less than ${minutes(policy.minUptimeMs)}`);
  }

  const telemetry = worker.telemetry;
  if (telemetry === null) {
    return veto("NO_TELEMETRY", "no telemetry yet");
  }
  const ageMs = nowMs - telemetry.sampledAt.getTime();
  if (ageMs > policy.staleTelemetryMs) {
    return veto(
      "TELEMETRY_STALE",
      `telemetry is ${minutes(ageMs)} old (stale after ${minutes(policy.staleTelemetryMs)})`,
    );
  }
  if (!telemetry.cmlReachable) {
    return veto("CML_UNREACHABLE", "the CML API did not answer the last sweep");
  }
  if (telemetry.runningNodes === null) {
    return veto("NODES_UNKNOWN", "the number of running nodes is unknown");
  }
  if (telemetry.runningNodes > 0) {
    return veto("NODES_RUNNING", `${telemetry.runningNodes} node(s) running`);
  }
  if (telemetry.startedLabs === null) {
    return veto("LABS_UNKNOWN", "the number of started labs is unknown");
  }
  if (telemetry.startedLabs > 0) {
    return veto("LABS_STARTED", `${telemetry.startedLabs} lab(s) started`);
  }
  if (telemetry.cpuPercent !== null && telemetry.cpuPercent >= policy.cpuVetoPercent) {
    return veto("CPU_BUSY", `CPU at ${telemetry.cpuPercent}% (veto at ${policy.cpuVetoPercent}%)`);
  }

  const lastBusySample = latest(
    input.recentTelemetry
      .filter((sample) => (sample.runningNodes ?? 0) > 0 || (sample.startedLabs ?? 0) > 0)
      .map((sample) => sample.sampledAt),
  );
  const keepAliveEnd = keepAliveUntil;
  let idleSince =
    latest([
      worker.idle.lastActivityAt,
      ...input.activity.map((event) => event.at),
      lastStartedAt,
      bootedAt,
      snoozeEnd,
      keepAliveEnd,
      lastBusySample,
    ]) ?? bootedAt;
  const thresholdMs =
    worker.idlePolicy.thresholdMinutes === null
      ? policy.thresholdMs
      : worker.idlePolicy.thresholdMinutes * MINUTE_MS;
  const leadMs = Math.max(0, policy.thresholdMs - policy.warningAfterMs);
  let stopAt = new Date(idleSince.getTime() + thresholdMs);
  let warnAt = new Date(Math.max(idleSince.getTime(), stopAt.getTime() - leadMs));
  let quietFor = `quiet for ${minutes(Math.max(0, nowMs - idleSince.getTime()))}`;
  // Quiet since before the window closed: the schedule's stop, warned at the closing and a warning lead
  // after it. (The window held the worker like a keep-alive, so its quiet stretch starts at the closing.)
  const scheduledStop = scheduleClosedAt !== null && idleSince.getTime() <= scheduleClosedAt.getTime();
  if (scheduleClosedAt !== null && scheduledStop) {
    idleSince = scheduleClosedAt;
    stopAt = new Date(scheduleClosedAt.getTime() + leadMs);
    warnAt = scheduleClosedAt;
    quietFor = `${schedule?.label ?? "the schedule"} closed at ${scheduleClosedAt.toISOString()}; quiet since before`;
  }
  if (!enabled && !scheduledStop) {
    return veto(
      "DISABLED",
      worker.idlePolicy.enabled === false
        ? "auto-stop is off for this worker"
        : "auto-stop is off for the fleet",
    );
  }
  const stopMark = scheduledStop ? { scheduledStop: true } : {};

  if (nowMs >= stopAt.getTime()) {
    return {
      idle: true,
      reasonCode: "IDLE",
      reason: scheduledStop ? quietFor : `${quietFor} (threshold ${minutes(thresholdMs)})`,
      idleSince,
      warnAt,
      stopAt,
      ...stopMark,
    };
  }
  if (nowMs >= warnAt.getTime()) {
    return {
      idle: false,
      reasonCode: "IDLE_WARNING",
      reason: `${quietFor}; stops at ${stopAt.toISOString()} unless used`,
      idleSince,
      warnAt,
      stopAt,
      ...stopMark,
    };
  }
  return { idle: false, reasonCode: "QUIET", reason: quietFor, idleSince, warnAt, stopAt, ...stopMark };
}
