import {
  nextScheduledAction,
  type Schedule,
  type ScheduleWindow,
  WEEKDAYS,
} from "@cml-fleet/core/domain/schedule";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { checkScheduleId } from "@cml-fleet/core/services/schedule.service";
import { builder } from "../builder";
import type { GraphQLContext } from "../context";
import { leadKey } from "../schedule-loaders";
import { onOwnedWorker } from "../worker-ownership";
import { WorkerRef } from "./worker";

const WeekdayEnum = builder.enumType("Weekday", { values: WEEKDAYS });
const ScheduledActionKindEnum = builder.enumType("ScheduledActionKind", {
  values: ["START", "STOP"] as const,
});

const ScheduleWindowRef = builder.objectRef<ScheduleWindow>("ScheduleWindow").implement({
  description:
    'A weekly opening window in the schedule\'s time zone; start/end are "HH:MM" or "HH:MM:SS"; an end before the start runs past midnight.',
  fields: (t) => ({
    days: t.field({ type: [WeekdayEnum], resolve: (window) => [...window.days] }),
    start: t.exposeString("start"),
    end: t.exposeString("end"),
  }),
});

const ScheduleWindowInput = builder.inputType("ScheduleWindowInput", {
  fields: (t) => ({
    days: t.field({ type: [WeekdayEnum], required: true }),
    start: t.string({ required: true }),
    end: t.string({ required: true }),
  }),
});

const ScheduleInput = builder.inputType("ScheduleInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    timeZone: t.string({ required: true }),
    windows: t.field({ type: [ScheduleWindowInput], required: true }),
    closedDates: t.stringList(),
    readyAtStart: t.boolean(),
  }),
});

export const ScheduleRef = builder.objectRef<Schedule>("Schedule").implement({
  description:
    "Weekly windows in an IANA time zone during which its workers run: started when a window opens (early, with readyAtStart), held against the idle policy while it is open, stopped through the idle auto-stop's warning and re-check when it closes.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    timeZone: t.exposeString("timeZone", { description: "An IANA time zone, e.g. Europe/Paris." }),
    windows: t.field({ type: [ScheduleWindowRef], resolve: (schedule) => [...schedule.windows] }),
    closedDates: t.stringList({
      description: "Local dates (YYYY-MM-DD) on which no window opens: holidays.",
      resolve: (schedule) => [...schedule.closedDates],
    }),
    readyAtStart: t.exposeBoolean("readyAtStart", {
      description: "Start workers early enough that they are AVAILABLE when a window opens.",
    }),
    workers: t.field({
      type: [WorkerRef],
      description: "The workers (not terminated) on this schedule, by name.",
      resolve: (schedule, _args, context) => context.loaders.schedules.workers.load(schedule.id),
    }),
  }),
});

interface ScheduledActionView {
  readonly action: "START" | "STOP";
  readonly at: Date;
}

const ScheduledActionRef = builder.objectRef<ScheduledActionView>("ScheduledAction").implement({
  fields: (t) => ({
    action: t.expose("action", { type: ScheduledActionKindEnum }),
    at: t.expose("at", { type: "DateTime" }),
  }),
});

async function scheduleOf(worker: Worker, context: GraphQLContext): Promise<Schedule | null> {
  return worker.scheduleId === null || worker.scheduleId === undefined
    ? null
    : context.loaders.schedules.byId.load(worker.scheduleId);
}

/** The lead the schedule uses for this worker (ms); null when its schedule starts nothing early. */
async function leadOf(
  worker: Worker,
  schedule: Schedule | null,
  context: GraphQLContext,
): Promise<number | null> {
  return schedule === null || !schedule.readyAtStart
    ? null
    : context.loaders.schedules.leadMs.load(leadKey(worker));
}

builder.objectFields(WorkerRef, (t) => ({
  schedule: t.field({
    type: ScheduleRef,
    nullable: true,
    resolve: (worker, _args, context) => scheduleOf(worker, context),
  }),
  nextScheduledAction: t.field({
    type: ScheduledActionRef,
    nullable: true,
    description:
      "What the worker's schedule does next and when: START (the lead time before a window opens, or now when it is overdue) or STOP (when the window it runs in closes; the stop then waits out the idle warning and never happens while the worker is in use).",
    resolve: async (worker, _args, context) => {
      const schedule = await scheduleOf(worker, context);
      if (schedule === null) {
        return null;
      }
      const now = context.reads.clock.now();
      const action = nextScheduledAction(schedule, now, {
        status: worker.status,
        leadMs: (await leadOf(worker, schedule, context)) ?? 0,
        handledOpeningAt: worker.scheduleState?.openingAt ?? null,
      });
      return action === null
        ? null
        : { action: action.action, at: new Date(Math.max(action.at.getTime(), now.getTime())) };
    },
  }),
  scheduleLeadSeconds: t.int({
    nullable: true,
    description:
      "How long before a window opens its schedule starts this worker (readyAtStart): the 90th percentile of the fleet's recent starts of its region and instance type (start to AVAILABLE), else CML_SCHEDULE_DEFAULT_LEAD, plus one evaluation interval, at most 2h. Null when its schedule starts nothing early.",
    resolve: async (worker, _args, context) => {
      const lead = await leadOf(worker, await scheduleOf(worker, context), context);
      return lead === null ? null : Math.round(lead / 1000);
    },
  }),
}));

builder.queryFields((t) => ({
  schedules: t.field({
    type: [ScheduleRef],
    description: "Every schedule, by name.",
    authScopes: { role: "VIEWER" },
    resolve: (_root, _args, context) => context.services.schedules.list(),
  }),
}));

builder.mutationFields((t) => ({
  createSchedule: t.field({
    type: ScheduleRef,
    authScopes: { role: "ADMIN" },
    args: { input: t.arg({ type: ScheduleInput, required: true }) },
    resolve: (_root, args, context) =>
      context.services.schedules.create(context.access.require("createSchedule"), args.input),
  }),
  updateSchedule: t.field({
    type: ScheduleRef,
    authScopes: { role: "ADMIN" },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ScheduleInput, required: true }) },
    resolve: (_root, args, context) =>
      context.services.schedules.update(
        context.access.require("updateSchedule"),
        String(args.id),
        args.input,
      ),
  }),
  deleteSchedule: t.boolean({
    description: "Deletes a schedule; refused (CONFLICT) while workers are on it.",
    authScopes: { role: "ADMIN" },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.schedules.delete(context.access.require("deleteSchedule"), String(args.id)),
  }),
  setWorkerSchedule: t.field({
    type: WorkerRef,
    description: "Attach a schedule to a worker; null detaches it.",
    // Another owner's worker is NOT_FOUND to a USER (which may not set schedules at all), as for any worker mutation.
    authScopes: onOwnedWorker("id", { role: "OPERATOR" }),
    args: { id: t.arg.id({ required: true }), scheduleId: t.arg.id() },
    resolve: (_root, args, context) =>
      context.services.schedules.setWorkerSchedule(
        context.access.require("setWorkerSchedule"),
        String(args.id),
        args.scheduleId === null || args.scheduleId === undefined
          ? null
          : checkScheduleId("scheduleId", String(args.scheduleId)),
      ),
  }),
}));
