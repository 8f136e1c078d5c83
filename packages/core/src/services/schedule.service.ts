import type { FleetEvent, NewFleetEvent } from "../domain/fleet-event";
import { checkText } from "../domain/input-text";
import { actorOf, type Requester } from "../domain/requester";
import {
  checkScheduleInput,
  type Schedule,
  type ScheduleInputRaw,
  type ScheduleSpec,
} from "../domain/schedule";
import type { Worker } from "../domain/worker";
import { changed, workerEvent } from "../domain/worker-changes-common";
import { ConflictError, NotFoundError } from "../errors";
import type { ScheduleStore } from "../ports/schedule-store.port";
import { successAudit } from "./request-audit";
import { updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface ScheduleServiceDeps extends WorkerWriterDeps {
  readonly schedules: ScheduleStore;
  /** The id of a new schedule: a UUID. */
  readonly newId: () => string;
}

function specData(spec: ScheduleSpec) {
  return {
    timeZone: spec.timeZone,
    windows: spec.windows.map((window) => ({ ...window, days: [...window.days] })),
    closedDates: [...spec.closedDates],
    readyAtStart: spec.readyAtStart,
  };
}

/** A schedule's id as people send it: a UUID, else BAD_USER_INPUT before any lookup. */
export function checkScheduleId(field: string, id: string): string {
  return checkText("scheduleId", field, id).toLowerCase();
}

/**
 * People's changes to schedules (ADMIN) and to which schedule a worker
 * follows (OPERATOR). Input is checked before anything is read; each change
 * is saved with its event and audit row in one transaction, then published.
 */
export function createScheduleService(deps: ScheduleServiceDeps) {
  const { schedules, clock } = deps;

  function fleetEvent(
    by: Requester,
    action: string,
    schedule: Pick<Schedule, "id" | "name">,
    data: object,
    now: Date,
  ): NewFleetEvent {
    return {
      type: "fleet.schedule_changed",
      workerId: null,
      at: now,
      message: `schedule ${schedule.name} ${action}`,
      reason: null,
      actor: actorOf(by),
      data: { action, scheduleId: schedule.id, name: schedule.name, ...data },
    };
  }

  async function publish(events: readonly FleetEvent[]): Promise<void> {
    try {
      for (const event of events) {
        await deps.publisher.fleetEvent(event);
      }
    } catch (error) {
      deps.logger.warn({ err: error }, "could not publish a schedule change");
    }
  }

  async function existing(id: string): Promise<Schedule> {
    const schedule = await schedules.findById(id);
    if (schedule === null) {
      throw new NotFoundError("schedule", id);
    }
    return schedule;
  }

  return {
    list: (): Promise<Schedule[]> => schedules.list(),

    async create(by: Requester, input: ScheduleInputRaw): Promise<Schedule> {
      const { name, spec } = checkScheduleInput(input);
      const now = clock.now();
      const schedule: Schedule = { id: deps.newId(), name, ...spec };
      const saved = await schedules.create(schedule, {
        events: [fleetEvent(by, "created", schedule, specData(spec), now)],
        audit: [successAudit(by, "createSchedule", { input: { name, ...specData(spec) } }, now)],
      });
      await publish(saved.events);
      return saved.schedule;
    },

    async update(by: Requester, id: string, input: ScheduleInputRaw): Promise<Schedule> {
      const scheduleId = checkScheduleId("id", id);
      const { name, spec } = checkScheduleInput(input);
      const now = clock.now();
      const saved = await schedules.update(
        scheduleId,
        { name, spec },
        {
          events: [fleetEvent(by, "updated", { id: scheduleId, name }, specData(spec), now)],
          audit: [
            successAudit(by, "updateSchedule", { id: scheduleId, input: { name, ...specData(spec) } }, now),
          ],
        },
      );
      if (saved === null) {
        throw new NotFoundError("schedule", scheduleId);
      }
      await publish(saved.events);
      return saved.schedule;
    },

    async delete(by: Requester, id: string): Promise<boolean> {
      const scheduleId = checkScheduleId("id", id);
      const schedule = await existing(scheduleId);
      const now = clock.now();
      const result = await schedules.delete(scheduleId, {
        events: [fleetEvent(by, "deleted", schedule, {}, now)],
        audit: [successAudit(by, "deleteSchedule", { id: scheduleId }, now)],
      });
      if (!result.deleted) {
        throw new NotFoundError("schedule", scheduleId);
      }
      await publish(result.events);
      return true;
    },

    /** Puts the worker on a schedule (null: off any); what the old schedule last did is forgotten. */
    async setWorkerSchedule(by: Requester, workerId: string, scheduleId: string | null): Promise<Worker> {
      const id = checkText("workerId", "id", workerId);
      const target = scheduleId === null ? null : await existing(checkScheduleId("scheduleId", scheduleId));
      return updateWorker(
        deps,
        id,
        (worker, now) => {
          if (worker.status === "TERMINATED") {
            throw new ConflictError(`worker ${worker.name} is TERMINATED; its schedule can no longer change`);
          }
          const from = worker.scheduleId ?? null;
          const to = target?.id ?? null;
          if (from === to) {
            return null;
          }
          const event = workerEvent(
            worker,
            "worker.schedule_changed",
            target === null
              ? `${worker.name}: taken off its schedule`
              : `${worker.name}: on schedule ${target.name}`,
            { actor: actorOf(by), reason: null, now, data: { from, to, scheduleName: target?.name ?? null } },
          );
          return changed(worker, { scheduleId: to, scheduleState: null }, now, [event]);
        },
        {
          audit: (now) => successAudit(by, "setWorkerSchedule", { id, scheduleId: target?.id ?? null }, now),
        },
      );
    },
  };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;
