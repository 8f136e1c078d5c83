import { describe, expect, it } from "vitest";
import { fixedStartHistory, InMemoryScheduleStore } from "../../test/support/in-memory-schedule-store";
import { RecordingJobQueue } from "../../test/support/recording-job-queue";
import { fakeServiceDeps } from "../../test/support/service-deps";
import { telemetry } from "../../test/support/worker-factory";
import type { Schedule } from "../domain/schedule";
import { NO_IDLE_TRACKING, type Worker } from "../domain/worker";
import { createIdleAutoStopService } from "./idle-auto-stop.service";
import { createScheduleEvaluationService } from "./schedule-evaluation.service";

const MINUTE = 60_000;

/** Monday 2026-01-05 09:00-17:00 UTC and every weekday; the fake clock starts on it at 09:00. */
const WEEKDAYS: Schedule = {
  id: "0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c",
  name: "ccna",
  timeZone: "UTC",
  windows: [{ days: ["MON", "TUE", "WED", "THU", "FRI"], start: "09:00", end: "17:00" }],
  closedDates: ["2026-01-07"],
  readyAtStart: true,
};

async function fleet(schedule: Schedule = WEEKDAYS) {
  const deps = fakeServiceDeps();
  const schedules = new InMemoryScheduleStore(deps.workers);
  schedules.schedules.set(schedule.id, schedule);
  const jobs = new RecordingJobQueue();
  const late: string[] = [];
  const evaluation = () =>
    createScheduleEvaluationService({
      ...deps,
      schedules,
      jobs,
      // Starts here take 10 minutes; one minute of evaluation slack: an 11-minute lead.
      startHistory: fixedStartHistory([10 * MINUTE, 9 * MINUTE, 10 * MINUTE, 8 * MINUTE]),
      scheduleLead: {
        defaultLeadMs: 15 * MINUTE,
        maxLeadMs: 120 * MINUTE,
        historySamples: 20,
        slackMs: MINUTE,
      },
      onLateStart: (worker) => late.push(worker.id),
    });
  return { deps, schedules, jobs, late, evaluation };
}

function setClock(deps: ReturnType<typeof fakeServiceDeps>, iso: string): void {
  deps.clock.advance(new Date(iso).getTime() - deps.clock.now().getTime());
}

/** A worker a person stopped (STOPPED, desired STOPPED) on `scheduleId`, on an instance the fake cloud has. */
async function seedStopped(
  deps: ReturnType<typeof fakeServiceDeps>,
  id: string,
  scheduleId: string,
  overrides: Partial<Worker> = {},
): Promise<Worker> {
  return deps.seed({
    ...(await deps.seedRunning()),
    id,
    status: "STOPPED",
    desiredStatus: "STOPPED",
    scheduleId,
    ...overrides,
  });
}

/** The idle auto-stop as the job process builds it, idle after `thresholdMs` and warned `warningAfterMs` in. */
function idleAutoStop(
  deps: ReturnType<typeof fakeServiceDeps>,
  schedules: InMemoryScheduleStore,
  jobs: RecordingJobQueue,
  thresholds: { readonly thresholdMs: number; readonly warningAfterMs: number },
) {
  return createIdleAutoStopService({
    ...deps,
    jobs,
    schedules,
    idle: {
      dryRun: false,
      recentSamples: 30,
      hourlyRate: () => 1,
      policy: {
        autoShutdownEnabled: true,
        ...thresholds,
        snoozeAfterStartMs: 0,
        minUptimeMs: 0,
        staleTelemetryMs: 5 * MINUTE,
        cpuVetoPercent: 90,
      },
    },
  });
}

async function setWorker(deps: ReturnType<typeof fakeServiceDeps>, id: string, change: Partial<Worker>) {
  const current = await deps.workers.findById(id);
  if (current === null) {
    throw new Error("no worker");
  }
  await deps.workers.save({ ...current, ...change }, []);
}

describe("schedule evaluation (fake clock)", () => {
  it("starts a stopped worker the learned lead before its window opens, once, whatever the number of evaluators", async () => {
    const { deps, jobs, evaluation } = await fleet();
    const worker = await seedStopped(deps, "w-sched", WEEKDAYS.id);
    setClock(deps, "2026-01-06T08:48:00Z");
    expect((await evaluation().evaluate()).started).toBe(0);
    setClock(deps, "2026-01-06T08:49:00Z");
    const [first, second] = await Promise.all([evaluation().evaluate(), evaluation().evaluate()]);
    expect(first.started + second.started).toBe(1);
    expect(jobs.queued.map((job) => job.id)).toEqual([`start.${worker.id}`]);
    const started = await deps.workers.findById(worker.id);
    expect(started?.desiredStatus).toBe("RUNNING");
    expect(started?.scheduleState).toMatchObject({
      openingAt: new Date("2026-01-06T09:00:00Z"),
      leadMs: 11 * MINUTE,
    });
    const event = deps.workers.events.find((e) => e.type === "worker.schedule_started");
    expect(event?.actor).toEqual({ kind: "system", policy: "schedule" });
    expect(event?.reason).toMatch(/^schedule ccna, window MON,TUE,WED,THU,FRI 09:00-17:00 \(UTC\) opens at/);
    expect(event?.data).toMatchObject({ scheduleId: WEEKDAYS.id, leadSeconds: 660 });
    expect(deps.workers.events.some((e) => e.type === "worker.operation_requested")).toBe(true);
    // Evaluated again: nothing more.
    expect((await evaluation().evaluate()).started).toBe(0);
  });

  it("does not start again a worker a person stopped during the window; starts it for the next one", async () => {
    const { deps, jobs, evaluation } = await fleet();
    const worker = await seedStopped(deps, "w-stopped", WEEKDAYS.id);
    setClock(deps, "2026-01-05T10:00:00Z");
    expect((await evaluation().evaluate()).started).toBe(1);
    // The start ran; then a person stopped it at 11:00.
    await setWorker(deps, worker.id, { status: "STOPPED", desiredStatus: "STOPPED" });
    jobs.queued.length = 0;
    setClock(deps, "2026-01-05T11:00:00Z");
    expect(await evaluation().evaluate()).toMatchObject({ started: 0, resumed: 0 });
    expect(jobs.queued).toEqual([]);
    setClock(deps, "2026-01-06T08:50:00Z");
    expect((await evaluation().evaluate()).started).toBe(1);
  });

  it("a worker started by hand in a window and stopped by a person stays stopped", async () => {
    const { deps, jobs, evaluation } = await fleet();
    const worker = await deps.seedRunning({ scheduleId: WEEKDAYS.id });
    setClock(deps, "2026-01-05T10:00:00Z");
    expect((await evaluation().evaluate()).marked).toBe(1);
    await setWorker(deps, worker.id, { status: "STOPPED", desiredStatus: "STOPPED" });
    expect((await evaluation().evaluate()).started).toBe(0);
    expect(jobs.queued).toEqual([]);
  });

  it("opens no window on a closed date", async () => {
    const { deps, jobs, evaluation } = await fleet();
    await seedStopped(deps, "w-holiday", WEEKDAYS.id);
    for (const time of ["2026-01-07T08:50:00Z", "2026-01-07T09:00:00Z", "2026-01-07T12:00:00Z"]) {
      setClock(deps, time);
      expect((await evaluation().evaluate()).started).toBe(0);
    }
    expect(jobs.queued).toEqual([]);
  });

  it("records a start not AVAILABLE when the window opened, once, and counts it", async () => {
    const { deps, late, evaluation } = await fleet();
    const worker = await seedStopped(deps, "w-late", WEEKDAYS.id);
    setClock(deps, "2026-01-06T08:55:00Z");
    expect((await evaluation().evaluate()).started).toBe(1);
    await setWorker(deps, worker.id, { status: "RUNNING", serviceStatus: "STARTING" });
    setClock(deps, "2026-01-06T08:59:00Z");
    expect((await evaluation().evaluate()).late).toBe(0);
    setClock(deps, "2026-01-06T09:00:30Z");
    expect((await evaluation().evaluate()).late).toBe(1);
    expect((await evaluation().evaluate()).late).toBe(0);
    expect(late).toEqual([worker.id]);
    const event = deps.workers.events.find((e) => e.type === "worker.schedule_late");
    expect(event?.data).toMatchObject({ opensAt: "2026-01-06T09:00:00.000Z", serviceStatus: "STARTING" });
  });

  it("re-queues a start recorded but never queued (a crash in between)", async () => {
    const { deps, jobs, evaluation } = await fleet();
    const worker = await seedStopped(deps, "w-crash", WEEKDAYS.id, {
      desiredStatus: "RUNNING",
      scheduleState: {
        openingAt: new Date("2026-01-05T09:00:00Z"),
        startedAt: new Date("2026-01-05T08:49:00Z"),
        leadMs: 11 * MINUTE,
        lateRecorded: false,
      },
    });
    setClock(deps, "2026-01-05T09:05:00Z");
    expect((await evaluation().evaluate()).resumed).toBe(1);
    expect(jobs.queued.map((job) => job.id)).toEqual([`start.${worker.id}`]);
  });
});

describe("schedule stops through the idle auto-stop (fake clock)", () => {
  async function scheduledIdle(runningNodes: number) {
    const { deps, schedules } = await fleet();
    const jobs = new RecordingJobQueue();
    setClock(deps, "2026-01-05T16:00:00Z");
    const worker = await deps.seedRunning({
      scheduleId: WEEKDAYS.id,
      idle: { ...NO_IDLE_TRACKING, lastStartedAt: new Date("2026-01-05T08:49:00Z") },
    });
    deps.cml.of(worker.id).runningNodes = runningNodes;
    const idle = idleAutoStop(deps, schedules, jobs, {
      thresholdMs: 60 * MINUTE,
      warningAfterMs: 55 * MINUTE,
    });
    const sample = async (nodes: number) => {
      await setWorker(deps, worker.id, {
        telemetry: telemetry({ sampledAt: deps.clock.now(), runningNodes: nodes, cpuPercent: 1 }),
      });
    };
    return { deps, worker, idle, jobs, sample };
  }

  it("holds an idle worker while the window is open, warns at its end, then stops it (actor: schedule)", async () => {
    const { deps, worker, idle, jobs, sample } = await scheduledIdle(0);
    await sample(0);
    // Quiet for 7 hours, but the window holds it.
    expect(await idle.check()).toMatchObject({ warned: 0, stopped: 0 });
    setClock(deps, "2026-01-05T17:00:00Z");
    await sample(0);
    expect((await idle.check()).warned).toBe(1);
    const warning = deps.workers.events.find((e) => e.type === "worker.idle_warning");
    expect(warning?.data).toMatchObject({ cause: "schedule", scheduleId: WEEKDAYS.id });
    expect(warning?.data.autoStopAt).toBe("2026-01-05T17:05:00.000Z");
    setClock(deps, "2026-01-05T17:05:00Z");
    await sample(0);
    expect((await idle.check()).stopped).toBe(1);
    expect(jobs.queued).toEqual([
      {
        kind: "stop",
        id: `stop.${worker.id}`,
        payload: expect.objectContaining({ actor: { kind: "system", policy: "schedule" } }),
      },
    ]);
    const stopped = deps.workers.events.find((e) => e.type === "worker.auto_stopped");
    expect(stopped?.message).toMatch(/at the end of its schedule's window/);
  });

  it("does not stop a busy worker at the window's end", async () => {
    const { deps, idle, jobs, sample } = await scheduledIdle(3);
    setClock(deps, "2026-01-05T17:00:00Z");
    await sample(3);
    expect((await idle.check()).warned).toBe(0);
    setClock(deps, "2026-01-05T17:10:00Z");
    await sample(3);
    expect(await idle.check()).toMatchObject({ warned: 0, stopped: 0 });
    expect(jobs.queued).toEqual([]);
  });
});

describe("schedule hold in the lead time", () => {
  it("does not warn a worker the schedule started early, before its window opens", async () => {
    const { deps, schedules } = await fleet();
    setClock(deps, "2026-01-05T08:52:00Z");
    const worker = await deps.seedRunning({
      scheduleId: WEEKDAYS.id,
      idle: { ...NO_IDLE_TRACKING, lastStartedAt: new Date("2026-01-05T08:49:00Z") },
      scheduleState: {
        openingAt: new Date("2026-01-05T09:00:00Z"),
        startedAt: new Date("2026-01-05T08:49:00Z"),
        leadMs: 11 * MINUTE,
        lateRecorded: false,
      },
      telemetry: telemetry({ sampledAt: new Date("2026-01-05T08:52:00Z"), runningNodes: 0, cpuPercent: 1 }),
    });
    const idle = idleAutoStop(deps, schedules, new RecordingJobQueue(), {
      thresholdMs: 2 * MINUTE,
      warningAfterMs: MINUTE,
    });
    expect(await idle.check()).toMatchObject({ warned: 0, stopped: 0 });
    expect(
      deps.workers.events.filter((e) => e.workerId === worker.id && e.type === "worker.idle_warning"),
    ).toEqual([]);
  });
});

describe("schedule evaluation across a daylight-saving change (Europe/Paris, fake clock)", () => {
  const PARIS: Schedule = {
    ...WEEKDAYS,
    timeZone: "Europe/Paris",
    windows: [{ days: ["SAT", "SUN"], start: "02:30", end: "05:00" }],
    closedDates: [],
    readyAtStart: false,
  };

  it("starts at 02:30 local the day before the change (01:30Z) and at 03:00 local on it (01:00Z), when 02:30 does not exist", async () => {
    const { deps, jobs, evaluation } = await fleet(PARIS);
    const worker = await seedStopped(deps, "w-dst", PARIS.id);
    setClock(deps, "2026-03-28T01:29:00Z");
    expect((await evaluation().evaluate()).started).toBe(0);
    setClock(deps, "2026-03-28T01:30:00Z");
    expect((await evaluation().evaluate()).started).toBe(1);
    await setWorker(deps, worker.id, { status: "STOPPED", desiredStatus: "STOPPED" });
    jobs.queued.length = 0;
    setClock(deps, "2026-03-29T00:59:00Z");
    expect((await evaluation().evaluate()).started).toBe(0);
    setClock(deps, "2026-03-29T01:00:00Z");
    expect((await evaluation().evaluate()).started).toBe(1);
    expect((await deps.workers.findById(worker.id))?.scheduleState?.openingAt).toEqual(
      new Date("2026-03-29T01:00:00Z"),
    );
  });

  it("starts once at the first 02:30 on the night the clocks go back (00:30Z), not again at the second (01:30Z)", async () => {
    const { deps, evaluation } = await fleet(PARIS);
    const worker = await seedStopped(deps, "w-dst-autumn", PARIS.id);
    setClock(deps, "2026-10-25T00:30:00Z");
    expect((await evaluation().evaluate()).started).toBe(1);
    await setWorker(deps, worker.id, { status: "STOPPED", desiredStatus: "STOPPED" });
    setClock(deps, "2026-10-25T01:30:00Z");
    expect((await evaluation().evaluate()).started).toBe(0);
  });
});
