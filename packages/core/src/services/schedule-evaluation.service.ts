import { systemActor } from "../domain/actor";
import {
  describeWindow,
  nextOpening,
  nextScheduledAction,
  type Schedule,
  type ScheduleRunState,
  type WindowOccurrence,
  windowAt,
} from "../domain/schedule";
import type { Worker } from "../domain/worker";
import { recordOperationRequested } from "../domain/worker-changes";
import { changed, workerEvent } from "../domain/worker-changes-common";
import { planOperation } from "../domain/worker-transitions";
import type { JobQueue } from "../ports/job-queue.port";
import type { ScheduleStore, StartHistory } from "../ports/schedule-store.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import { createLeadTimes, type ScheduleLeadConfig } from "./schedule-lead-time";
import { updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface ScheduleEvaluationDeps extends WorkerWriterDeps {
  readonly workers: Pick<WorkerRepository, "findById" | "save" | "listActive">;
  readonly schedules: Pick<ScheduleStore, "findByIds">;
  readonly startHistory: StartHistory;
  readonly scheduleLead: ScheduleLeadConfig;
  /** Starts go through the start job, like a person's startWorker. */
  readonly jobs: Pick<JobQueue, "enqueue">;
  /** Told of each late start (the job process counts them in a Prometheus counter). */
  readonly onLateStart?: ((worker: Worker, schedule: Schedule) => void) | undefined;
}

export type ScheduleOutcome = "none" | "started" | "marked" | "late" | "resumed";

export const scheduleActor = systemActor("schedule");

/** "schedule <name>, window <days start-end> (<zone>)": how events name what acted. */
export function scheduleLabel(schedule: Schedule, opening: WindowOccurrence): string {
  return `schedule ${schedule.name}, window ${describeWindow(opening.window)} (${schedule.timeZone})`;
}

function scheduleData(schedule: Schedule, opening: WindowOccurrence, leadMs: number) {
  return {
    scheduleId: schedule.id,
    scheduleName: schedule.name,
    window: { ...opening.window, days: [...opening.window.days] },
    timeZone: schedule.timeZone,
    opensAt: opening.opensAt.toISOString(),
    closesAt: opening.closesAt.toISOString(),
    leadSeconds: Math.round(leadMs / 1000),
  };
}

const UP = new Set(["PENDING", "RUNNING"]);

/**
 * Evaluates every worker's schedule at the clock's now, and does what is
 * due: starts a stopped worker for an opening (less the learned lead when
 * `readyAtStart`), records a start that is not AVAILABLE when its window
 * opened. Stops at a window's end are the idle auto-stop's (see
 * `idle-auto-stop.service.ts`), so they get its warning and re-check.
 *
 * Idempotent, and safe with any number of job processes: the opening a
 * schedule dealt with is saved on the worker (`scheduleState.openingAt`)
 * with its version checked, so only one evaluation starts a worker for an
 * opening, and a worker a person stopped during that opening stays stopped
 * until the next one. A worker found already up in an opening is marked too,
 * so a person's stop after a manual start is not undone either. Crash-safe:
 * a start recorded but never queued (the process died in between) is queued
 * by the next evaluation while the worker still wants to run.
 *
 * Free of queues and databases: the ports and the clock are injected, so the
 * cost replay runs the same code on a simulated clock.
 */
export function createScheduleEvaluationService(deps: ScheduleEvaluationDeps) {
  async function startFor(
    worker: Worker,
    schedule: Schedule,
    opening: WindowOccurrence,
    leadMs: number,
  ): Promise<boolean> {
    const label = scheduleLabel(schedule, opening);
    let acted = false;
    await updateWorker(deps, worker.id, (current, now) => {
      acted = false;
      // Re-check on the freshest copy: still stopped, still on this schedule, opening not dealt with.
      if (
        current.status !== "STOPPED" ||
        current.scheduleId !== schedule.id ||
        current.scheduleState?.openingAt.getTime() === opening.opensAt.getTime()
      ) {
        return null;
      }
      const reason = `${label} opens at ${opening.opensAt.toISOString()}`;
      const data = scheduleData(schedule, opening, leadMs);
      const requested = recordOperationRequested(
        current,
        "start",
        planOperation("start", current.status, current.desiredStatus),
        scheduleActor,
        reason,
        now,
        data,
      );
      const state: ScheduleRunState = {
        openingAt: opening.opensAt,
        startedAt: now,
        leadMs,
        lateRecorded: false,
      };
      acted = true;
      return changed(requested.worker, { scheduleState: state }, now, [
        ...requested.events,
        workerEvent(current, "worker.schedule_started", `${current.name} was started for ${label}`, {
          actor: scheduleActor,
          reason,
          now,
          data,
        }),
      ]);
    });
    if (acted) {
      await deps.jobs.enqueue("start", { workerId: worker.id, actor: scheduleActor });
    }
    return acted;
  }

  /** A worker already up in (or in the lead of) an opening: the opening is dealt with. */
  function mark(worker: Worker, schedule: Schedule, opening: WindowOccurrence): Promise<Worker> {
    return updateWorker(deps, worker.id, (current, now) =>
      current.scheduleId !== schedule.id ||
      !UP.has(current.status) ||
      current.scheduleState?.openingAt.getTime() === opening.opensAt.getTime()
        ? null
        : {
            ...changed(
              current,
              {
                scheduleState: {
                  openingAt: opening.opensAt,
                  startedAt: null,
                  leadMs: 0,
                  lateRecorded: false,
                },
              },
              now,
              [],
            ),
            notify: false,
          },
    );
  }

  async function recordLate(worker: Worker, schedule: Schedule, opening: WindowOccurrence): Promise<boolean> {
    let acted = false;
    await updateWorker(deps, worker.id, (current, now) => {
      acted = false;
      const state = current.scheduleState;
      if (
        state === null ||
        state === undefined ||
        state.lateRecorded ||
        state.startedAt === null ||
        state.openingAt.getTime() !== opening.opensAt.getTime() ||
        current.serviceStatus === "AVAILABLE"
      ) {
        return null;
      }
      acted = true;
      const label = scheduleLabel(schedule, opening);
      return changed(current, { scheduleState: { ...state, lateRecorded: true } }, now, [
        workerEvent(
          current,
          "worker.schedule_late",
          `${current.name} was not AVAILABLE when ${label} opened at ${opening.opensAt.toISOString()}`,
          {
            actor: scheduleActor,
            reason: `started at ${state.startedAt.toISOString()} with a lead of ${Math.round(state.leadMs / 1000)} s; ${current.status}, CML ${current.serviceStatus}`,
            now,
            data: {
              ...scheduleData(schedule, opening, state.leadMs),
              startedAt: state.startedAt.toISOString(),
              status: current.status,
              serviceStatus: current.serviceStatus,
            },
          },
        ),
      ]);
    });
    if (acted) {
      deps.onLateStart?.(worker, schedule);
    }
    return acted;
  }

  async function evaluateOne(
    worker: Worker,
    schedule: Schedule,
    leadTimes: ReturnType<typeof createLeadTimes>,
  ): Promise<ScheduleOutcome> {
    const now = deps.clock.now();
    const leadMs = schedule.readyAtStart ? await leadTimes.leadMs(worker) : 0;
    const state = worker.scheduleState ?? null;
    const open = windowAt(schedule, now);

    if (UP.has(worker.status)) {
      const upcoming = open ?? nextOpening(schedule, now);
      const current =
        upcoming !== null && upcoming.opensAt.getTime() - leadMs <= now.getTime() ? upcoming : null;
      if (current === null) {
        return "none";
      }
      if (state?.openingAt.getTime() !== current.opensAt.getTime()) {
        await mark(worker, schedule, current);
        return "marked";
      }
      if (schedule.readyAtStart && open !== null && (await recordLate(worker, schedule, open))) {
        return "late";
      }
      return "none";
    }
    if (worker.status !== "STOPPED") {
      return "none";
    }
    // Recorded but never queued (a crash in between): the worker still wants to run for this opening.
    if (
      state !== null &&
      state.startedAt !== null &&
      worker.desiredStatus === "RUNNING" &&
      open !== null &&
      state.openingAt.getTime() === open.opensAt.getTime()
    ) {
      await deps.jobs.enqueue("start", { workerId: worker.id, actor: scheduleActor });
      return "resumed";
    }
    const action = nextScheduledAction(schedule, now, {
      status: worker.status,
      leadMs,
      handledOpeningAt: state?.openingAt ?? null,
    });
    if (action === null || action.action !== "START" || action.at.getTime() > now.getTime()) {
      return "none";
    }
    return (await startFor(worker, schedule, action.occurrence, leadMs)) ? "started" : "none";
  }

  return {
    async evaluate(): Promise<Record<ScheduleOutcome, number>> {
      const counts: Record<ScheduleOutcome, number> = { none: 0, started: 0, marked: 0, late: 0, resumed: 0 };
      const workers = (await deps.workers.listActive()).filter(
        (worker) => worker.scheduleId !== null && worker.scheduleId !== undefined,
      );
      if (workers.length === 0) {
        return counts;
      }
      const ids = [...new Set(workers.map((worker) => worker.scheduleId ?? ""))];
      const schedules = new Map(
        (await deps.schedules.findByIds(ids)).map((schedule) => [schedule.id, schedule]),
      );
      const leadTimes = createLeadTimes(deps.startHistory, deps.scheduleLead);
      for (const worker of workers) {
        const schedule = schedules.get(worker.scheduleId ?? "");
        if (schedule === undefined) {
          // Deleted under it: no schedule acts (the idle policy still does).
          continue;
        }
        try {
          counts[await evaluateOne(worker, schedule, leadTimes)]++;
        } catch (error) {
          // One worker's trouble (a conflict, a queue hiccup) must not spare the rest.
          deps.logger.warn({ err: error, workerId: worker.id }, "schedule evaluation of a worker failed");
        }
      }
      return counts;
    },
  };
}

export type ScheduleEvaluationService = ReturnType<typeof createScheduleEvaluationService>;
