import { systemActor } from "../domain/actor";
import type { NewFleetEvent } from "../domain/fleet-event";
import {
  decideIdle,
  type IdleDecision,
  type IdlePolicySettings,
  type ScheduleHold,
} from "../domain/idle-policy";
import type { PolicyStopDecision } from "../domain/job";
import { describeWindow, lastClosing, type Schedule, windowAt } from "../domain/schedule";
import type { Worker } from "../domain/worker";
import { workerEvent } from "../domain/worker-changes-common";
import { cancelIdleWarning, markIdleWarning } from "../domain/worker-changes-idle";
import { isFleetError, JobTimeoutError } from "../errors";
import type { JobQueue } from "../ports/job-queue.port";
import type { ScheduleStore } from "../ports/schedule-store.port";
import type { TelemetrySample } from "../ports/worker-repository.port";
import type { ReadinessDeps } from "./instance-readiness";
import { loadWorker } from "./load-worker";
import { observeWorker } from "./worker-observation";
import { unlessUnchanged, updateWorker } from "./worker-writer";

export interface IdleAutoStopConfig {
  readonly policy: IdlePolicySettings;
  /** Decide and record, never stop. */
  readonly dryRun: boolean;
  /** USD per hour of a worker (for the savings an auto-stop brings); null when unknown. */
  readonly hourlyRate: (worker: Worker) => number | null;
  /** Samples the policy looks back over to see when nodes last ran. */
  readonly recentSamples: number;
}

export interface IdleAutoStopDeps extends ReadinessDeps {
  readonly idle: IdleAutoStopConfig;
  /** Stops go through the stop job, so they take the worker's operation slot like any other stop. */
  readonly jobs: Pick<JobQueue, "enqueue">;
  /** The workers' schedules: an open window holds a worker, a closed one stops it (warning first). */
  readonly schedules?: Pick<ScheduleStore, "findByIds"> | undefined;
}

export type IdleOutcome = "none" | "warned" | "cancelled" | "stopped" | "dry-run" | "skipped";

const actor = systemActor("idle-auto-stop");
/** Workers whose samples one read of the idle check fetches. */
const SAMPLES_READ_BATCH = 500;
const scheduleActor = systemActor("schedule");

/** What a worker's schedule says at `now` (see `ScheduleHold`). */
export function scheduleHoldOf(
  worker: Pick<Worker, "idle" | "scheduleState">,
  schedule: Schedule,
  now: Date,
): ScheduleHold & { readonly schedule: Schedule } {
  const label = (window: string) => `schedule ${schedule.name}, window ${window} (${schedule.timeZone})`;
  const open = windowAt(schedule, now);
  if (open !== null) {
    return { openUntil: open.closesAt, closedAt: null, label: label(describeWindow(open.window)), schedule };
  }
  // Started early (readyAtStart) for a window not open yet: held until it opens, then the window holds it.
  const upcoming = worker.scheduleState?.openingAt ?? null;
  if (upcoming !== null && upcoming.getTime() > now.getTime()) {
    return {
      openUntil: upcoming,
      closedAt: null,
      label: `schedule ${schedule.name} (started for a window)`,
      schedule,
    };
  }
  const closed = lastClosing(schedule, now);
  const startedAt = worker.idle.lastStartedAt;
  // A worker started after the window closed was started by hand: the ordinary idle policy applies.
  const ranThrough =
    closed !== null && (startedAt === null || startedAt.getTime() < closed.closesAt.getTime());
  return {
    openUntil: null,
    closedAt: ranThrough ? closed.closesAt : null,
    label: closed === null ? label("none") : label(describeWindow(closed.window)),
    schedule,
  };
}
const CHECKED_STATUSES = new Set(["RUNNING"]);

/** The policy numbers an auto-stop decision rested on, for the event and the audit. */
function policyNumbers(
  config: IdleAutoStopConfig,
  worker: Worker,
  decision: IdleDecision,
  hold: (ScheduleHold & { readonly schedule: Schedule }) | null = null,
) {
  const scheduleNumbers =
    decision.scheduledStop === true && hold !== null
      ? {
          cause: "schedule",
          scheduleId: hold.schedule.id,
          scheduleName: hold.schedule.name,
          schedule: hold.label,
          windowClosedAt: hold.closedAt?.toISOString() ?? null,
        }
      : {};
  return {
    ...scheduleNumbers,
    reasonCode: decision.reasonCode,
    idleSince: decision.idleSince?.toISOString() ?? null,
    stopAt: decision.stopAt?.toISOString() ?? null,
    thresholdMinutes: worker.idlePolicy.thresholdMinutes ?? config.policy.thresholdMs / 60_000,
    warningAfterMinutes: config.policy.warningAfterMs / 60_000,
    cpuVetoPercent: config.policy.cpuVetoPercent,
    runningNodes: worker.telemetry?.runningNodes ?? null,
    startedLabs: worker.telemetry?.startedLabs ?? null,
    cpuPercent: worker.telemetry?.cpuPercent ?? null,
    lastActivityAt: worker.idle.lastActivityAt?.toISOString() ?? null,
    dryRun: config.dryRun,
  };
}

/**
 * Warns, then stops, workers that stay idle. Fails closed: the stop itself
 * is preceded by a fresh look at EC2 and CML and a second verdict, and any
 * veto (activity, a keep-alive, nodes, an unreachable API) cancels the warning.
 */
export function createIdleAutoStopService(deps: IdleAutoStopDeps) {
  const config = deps.idle;
  const leadMs = Math.max(0, config.policy.thresholdMs - config.policy.warningAfterMs);

  /** The schedules of the workers being checked (one read per check). */
  let schedules = new Map<string, Schedule>();

  function holdOf(worker: Worker) {
    const schedule =
      worker.scheduleId === null || worker.scheduleId === undefined
        ? undefined
        : schedules.get(worker.scheduleId);
    return schedule === undefined ? null : scheduleHoldOf(worker, schedule, deps.clock.now());
  }

  /** The decision on the worker's latest samples: read now, unless the check read them with its batch. */
  async function decide(
    worker: Worker,
    hold = holdOf(worker),
    samples?: readonly TelemetrySample[],
  ): Promise<IdleDecision> {
    const recentTelemetry = samples ?? (await deps.workers.recentTelemetry(worker.id, config.recentSamples));
    return decideIdle({
      worker,
      activity: [],
      recentTelemetry,
      policy: config.policy,
      now: deps.clock.now(),
      schedule: hold,
    });
  }

  function cancelWarning(worker: Worker, reason: string): Promise<Worker> {
    return updateWorker(deps, worker.id, (current, now) =>
      unlessUnchanged(current, cancelIdleWarning(current, reason, actor, now)),
    );
  }

  function warn(worker: Worker, decision: IdleDecision): Promise<Worker> {
    return updateWorker(deps, worker.id, (current, now) =>
      // Another check got there first: its warning stands, whatever stretch it was about.
      current.idle.warnedAt !== null
        ? null
        : markIdleWarning(current, decision, actor, now, {
            leadMs,
            data: policyNumbers(config, current, decision, holdOf(current)),
          }),
    );
  }

  async function stop(worker: Worker, decision: IdleDecision): Promise<IdleOutcome> {
    const numbers = policyNumbers(config, worker, decision, holdOf(worker));
    const bySchedule = decision.scheduledStop === true;
    const reason = bySchedule ? decision.reason : `idle: ${decision.reason}`;
    const stopActor = bySchedule ? scheduleActor : actor;
    const stoppedAs = bySchedule ? "at the end of its schedule's window" : "as idle";
    if (!config.dryRun) {
      // The stop job tags the instance ("auto-stop" and this reason) as it stops it, after deciding again
      // under the worker's lock (it may wait there behind another operation): see reconfirmStop.
      const decidedBy: PolicyStopDecision = {
        policy: bySchedule ? "schedule" : "idle",
        decidedAt: deps.clock.now().toISOString(),
      };
      await deps.jobs.enqueue("stop", { workerId: worker.id, actor: stopActor, reason, decidedBy });
    }
    const hourlyRate = config.hourlyRate(worker);
    await updateWorker(deps, worker.id, (current, now) => {
      const event: NewFleetEvent = config.dryRun
        ? workerEvent(
            current,
            "worker.auto_stop_skipped",
            `${current.name} would be stopped ${stoppedAs} (dry run)`,
            {
              actor: stopActor,
              reason,
              now,
              data: { ...numbers, hourlyRate },
            },
          )
        : workerEvent(current, "worker.auto_stopped", `${current.name} was stopped ${stoppedAs}`, {
            actor: stopActor,
            reason,
            now,
            data: { ...numbers, hourlyRate },
          });
      // A real stop ends the warning (should the stop job fail, the next check warns afresh instead of
      // leaving the worker warned forever); a dry run keeps it, so it records one would-be stop per idle stretch.
      const idle = config.dryRun
        ? { ...current.idle, autoStopAt: null }
        : { ...current.idle, idleSince: null, warnedAt: null, autoStopAt: null };
      return { worker: { ...current, idle }, events: [event] };
    });
    return config.dryRun ? "dry-run" : "stopped";
  }

  async function checkOne(worker: Worker, samples: readonly TelemetrySample[]): Promise<IdleOutcome> {
    const decision = await decide(worker, holdOf(worker), samples);
    const warned = worker.idle.warnedAt !== null;
    const judgedQuiet = decision.reasonCode === "IDLE" || decision.reasonCode === "IDLE_WARNING";
    const activitySinceWarning =
      warned &&
      decision.idleSince !== null &&
      worker.idle.warnedAt !== null &&
      decision.idleSince > worker.idle.warnedAt;

    if (warned && (!judgedQuiet || activitySinceWarning)) {
      await cancelWarning(worker, decision.reason);
      return "cancelled";
    }
    if (!judgedQuiet) {
      return "none";
    }
    if (!warned) {
      await warn(worker, decision);
      return "warned";
    }
    const autoStopAt = worker.idle.autoStopAt;
    if (autoStopAt === null || deps.clock.now() < autoStopAt || decision.reasonCode !== "IDLE") {
      return "none";
    }
    // Last look before acting: the sweep's figures may be a minute old.
    const fresh = await observeWorker(deps, worker, actor);
    const second = await decide(fresh);
    if (second.reasonCode !== "IDLE") {
      await cancelWarning(fresh, `not stopped: ${second.reason}`);
      await updateWorker(deps, worker.id, (current, now) => ({
        worker: current,
        events: [
          workerEvent(
            current,
            "worker.auto_stop_skipped",
            `${current.name} was not stopped: the last check found it in use`,
            {
              actor,
              reason: second.reason,
              now,
              data: policyNumbers(config, current, second, holdOf(current)),
            },
          ),
        ],
      }));
      return "skipped";
    }
    return stop(fresh, second);
  }

  /** The hold of one worker's schedule, read for it alone (the stop job runs outside a check). */
  async function holdReadFor(worker: Worker) {
    if (worker.scheduleId === null || worker.scheduleId === undefined || deps.schedules === undefined) {
      return null;
    }
    const [schedule] = await deps.schedules.findByIds([worker.scheduleId]);
    return schedule === undefined ? null : scheduleHoldOf(worker, schedule, deps.clock.now());
  }

  /** The stop a policy decided is called off: recorded on the worker, which keeps running. */
  async function callOff(worker: Worker, decidedBy: PolicyStopDecision, reason: string): Promise<Worker> {
    return updateWorker(deps, worker.id, (current, now) => ({
      // Only a policy wanted the stop: what is wanted stays RUNNING.
      worker: { ...current, desiredStatus: current.status === "RUNNING" ? "RUNNING" : current.desiredStatus },
      events: [
        workerEvent(
          current,
          "worker.auto_stop_skipped",
          `${current.name} was not stopped: the stop decided at ${decidedBy.decidedAt} was called off when its job ran`,
          {
            actor: decidedBy.policy === "schedule" ? scheduleActor : actor,
            reason,
            now,
            data: { cancelledStop: true, decidedBy: decidedBy.policy, decidedAt: decidedBy.decidedAt },
          },
        ),
      ],
    }));
  }

  return {
    /**
     * Decides again, inside the stop job and under the worker's lock, a stop
     * the idle policy (or a schedule's closing) decided: the job may have
     * waited behind another operation, and meanwhile someone may have set a
     * keep-alive, opened a lab, or a window may have opened. Same policy,
     * same fresh look at EC2 and CML as the check's last look. Fails closed:
     * anything but a fresh IDLE verdict calls the stop off (the worker stays
     * RUNNING, a `worker.auto_stop_skipped` event says why). A worker already
     * stopping or stopped is left to the job (a retry carries on), and a stop
     * someone asked for meanwhile (desiredStatus STOPPED: their request joined
     * this job) is never called off by the policy.
     */
    async reconfirmStop(
      workerId: string,
      decidedBy: PolicyStopDecision,
    ): Promise<{ readonly proceed: true } | { readonly proceed: false; readonly worker: Worker }> {
      const worker = await loadWorker(deps.workers, workerId);
      if (worker.status === "STOPPING" || worker.status === "STOPPED" || worker.desiredStatus === "STOPPED") {
        return { proceed: true };
      }
      if (worker.status !== "RUNNING") {
        return {
          proceed: false,
          worker: await callOff(worker, decidedBy, `the worker is ${worker.status}, not RUNNING`),
        };
      }
      let decision: IdleDecision;
      try {
        const fresh = await observeWorker(deps, worker, actor);
        decision = await decide(fresh, await holdReadFor(fresh));
      } catch (error) {
        // Worth another try (throttled, the lock lost: the job is retried and decides again), or the job's bound passed.
        if (isFleetError(error) && (error.retryable || error instanceof JobTimeoutError)) {
          throw error;
        }
        // Could not look: unknown is not idle.
        const message = error instanceof Error ? error.message : String(error);
        return {
          proceed: false,
          worker: await callOff(worker, decidedBy, `the last look failed: ${message}`),
        };
      }
      if (decision.reasonCode === "IDLE") {
        return { proceed: true };
      }
      return { proceed: false, worker: await callOff(worker, decidedBy, decision.reason) };
    },

    async check(): Promise<Record<IdleOutcome, number>> {
      const counts: Record<IdleOutcome, number> = {
        none: 0,
        warned: 0,
        cancelled: 0,
        stopped: 0,
        "dry-run": 0,
        skipped: 0,
      };
      const workers = (await deps.workers.listActive()).filter((worker) =>
        CHECKED_STATUSES.has(worker.status),
      );
      const scheduleIds = [
        ...new Set(workers.flatMap((worker) => (worker.scheduleId == null ? [] : [worker.scheduleId]))),
      ];
      schedules =
        deps.schedules === undefined || scheduleIds.length === 0
          ? new Map()
          : new Map((await deps.schedules.findByIds(scheduleIds)).map((schedule) => [schedule.id, schedule]));
      // The samples are read a batch of workers at a time (one query each, not one a worker): most workers
      // are not idle and need nothing else. A worker about to be stopped is looked at and decided again.
      for (let start = 0; start < workers.length; start += SAMPLES_READ_BATCH) {
        const batch = workers.slice(start, start + SAMPLES_READ_BATCH);
        const samples = await deps.workers.recentTelemetryMany(
          batch.map((worker) => worker.id),
          config.recentSamples,
        );
        for (const worker of batch) {
          try {
            counts[await checkOne(worker, samples.get(worker.id) ?? [])]++;
          } catch (error) {
            // One worker's trouble (a conflict, an unreachable API) must not spare the rest.
            deps.logger.warn({ err: error, workerId: worker.id }, "idle check of a worker failed");
          }
        }
      }
      return counts;
    },
  };
}

export type IdleAutoStopService = ReturnType<typeof createIdleAutoStopService>;
