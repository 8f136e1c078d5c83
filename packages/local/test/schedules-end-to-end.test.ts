import { userActor } from "@cml-fleet/core/domain/actor";
import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  patchCml,
  provisionWorkers,
  SECOND_LONG_IDLE,
  waitForWorker,
} from "../../jobs/test/support/fleet-driver";
import { type FleetHarness, useHarness } from "../../jobs/test/support/fleet-harness";
import { useHarnessApi } from "./support/harness-api";

const ADMIN = "cmlf_schedules-admin-0123456789abcdef0123456789abc";
const ZONE = "Europe/Paris";
const SECOND = 1_000;

/** Local "HH:MM:SS", weekday and date of an instant in the zone. */
function local(instant: Date) {
  const part = (options: Intl.DateTimeFormatOptions, locale = "en-GB") =>
    new Intl.DateTimeFormat(locale, { timeZone: ZONE, ...options }).format(instant);
  return {
    time: part({ hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }),
    weekday: part({ weekday: "short" }, "en-US").toUpperCase(),
    date: part({ year: "numeric", month: "2-digit", day: "2-digit" }, "en-CA"),
  };
}

/** Runs the sweeps a job process repeats (they are off in the harness) every half second, as its scheduler would. */
function startSweeping(fleet: FleetHarness): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const kind of ["telemetry-sweep", "schedule-evaluate", "idle-check"] as const) {
        const job = await fleet.queue.enqueue(kind, {});
        await fleet.queue.waitForResult(job.id, 60_000);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

async function eventsOf(fleet: FleetHarness, workerId: string): Promise<FleetEvent[]> {
  return fleet.workers.listEvents(workerId, 200);
}

describe("schedules in real time: through the API, the jobs and the simulator", () => {
  const fleet = useHarness("schedules-e2e", {
    sim: { bootDelayMs: 500, cmlReadyDelayMs: 500, stopDelayMs: 300 },
    env: {
      BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      ...SECOND_LONG_IDLE,
      // No start history yet: an 8 s lead, plus the 1 s evaluation interval.
      CML_SCHEDULE_DEFAULT_LEAD: "8s",
      CML_SCHEDULE_EVALUATION_INTERVAL: "1s",
    },
  });
  const api = useHarnessApi(fleet, { adminToken: ADMIN });
  let stopSweeping: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await stopSweeping?.();
    stopSweeping = null;
  });

  it("starts stopped workers so they are AVAILABLE when the window opens; at its end warns and stops the idle one, not the busy one; a closed date opens nothing", {
    timeout: 170_000,
  }, async () => {
    const [idle, busy, holiday] = await provisionWorkers(fleet, [
      "sched-idle",
      "sched-busy",
      "sched-holiday",
    ]);
    const ids = [idle, busy, holiday].map((worker) => worker?.id ?? expect.unreachable("no worker"));
    const [idleId, busyId, holidayId] = ids as [string, string, string];
    for (const id of ids) {
      await fleet.queue.enqueue("stop", { workerId: id, actor: userActor("u-ops", "ops"), reason: "night" });
    }
    for (const id of ids) {
      await waitForWorker(fleet, id, { status: "STOPPED" });
    }

    // A window opening ~25 s from now and lasting 15 s, in Paris time.
    const opensAt = new Date(Math.ceil((Date.now() + 25 * SECOND) / SECOND) * SECOND);
    const closesAt = new Date(opensAt.getTime() + 15 * SECOND);
    const window = { days: [local(opensAt).weekday], start: local(opensAt).time, end: local(closesAt).time };
    const create = `mutation($input: ScheduleInput!) { createSchedule(input: $input) { id } }`;
    const open = await api.admin<{ createSchedule: { id: string } }>(create, {
      input: { name: "class", timeZone: ZONE, windows: [window], readyAtStart: true },
    });
    const closed = await api.admin<{ createSchedule: { id: string } }>(create, {
      input: {
        name: "holiday",
        timeZone: ZONE,
        windows: [window],
        readyAtStart: true,
        closedDates: [local(opensAt).date],
      },
    });
    const attach = `mutation($id: ID!, $scheduleId: ID) { setWorkerSchedule(id: $id, scheduleId: $scheduleId) {
      id nextScheduledAction { action at } scheduleLeadSeconds } }`;
    const attached = await api.operator<{
      setWorkerSchedule: {
        nextScheduledAction: { action: string; at: string } | null;
        scheduleLeadSeconds: number;
      };
    }>(attach, { id: idleId, scheduleId: open.createSchedule.id });
    expect(attached.setWorkerSchedule.scheduleLeadSeconds).toBe(9);
    expect(attached.setWorkerSchedule.nextScheduledAction).toEqual({
      action: "START",
      at: new Date(opensAt.getTime() - 9 * SECOND).toISOString(),
    });
    await api.operator(attach, { id: busyId, scheduleId: open.createSchedule.id });
    await api.operator(attach, { id: holidayId, scheduleId: closed.createSchedule.id });

    stopSweeping = startSweeping(fleet);

    // AVAILABLE by the time the window opens.
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThanOrEqual(opensAt.getTime()), {
      timeout: 60_000,
      interval: 100,
    });
    for (const id of [idleId, busyId]) {
      const worker = await fleet.workers.findById(id);
      expect(worker).toMatchObject({ status: "RUNNING", serviceStatus: "AVAILABLE" });
      const events = await eventsOf(fleet, id);
      const started = events.find((event) => event.type === "worker.schedule_started");
      expect(started?.actor).toEqual({ kind: "system", policy: "schedule" });
      expect(started?.reason).toMatch(/^schedule class, window .* \(Europe\/Paris\) opens at/);
      const ready = events.find(
        (event) => event.type === "worker.service_status_changed" && event.data.to === "AVAILABLE",
      );
      expect(ready?.at.getTime()).toBeLessThanOrEqual(opensAt.getTime());
      expect(events.some((event) => event.type === "worker.schedule_late")).toBe(false);
    }
    // The closed date opened nothing.
    expect(await fleet.workers.findById(holidayId)).toMatchObject({ status: "STOPPED" });
    expect((await eventsOf(fleet, holidayId)).some((event) => event.type === "worker.schedule_started")).toBe(
      false,
    );

    // People use one of them; while the window is open the idle one is held, not warned.
    const busyWorker = await fleet.workers.findById(busyId);
    await patchCml(fleet, busyWorker?.instanceId ?? null, { runningNodes: 3 });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, closesAt.getTime() - Date.now() - 500)));
    expect((await eventsOf(fleet, idleId)).some((event) => event.type === "worker.idle_warning")).toBe(false);

    // At the end: the idle one is warned (the schedule named), then stopped through the stop job.
    await waitForWorker(fleet, idleId, { status: "STOPPED" }, { timeout: 60_000, interval: 200 });
    const idleEvents = await eventsOf(fleet, idleId);
    const warning = idleEvents.find((event) => event.type === "worker.idle_warning");
    expect(warning?.data).toMatchObject({ cause: "schedule", scheduleName: "class" });
    expect(warning?.at.getTime()).toBeGreaterThanOrEqual(closesAt.getTime());
    const stopped = idleEvents.find((event) => event.type === "worker.auto_stopped");
    expect(stopped?.actor).toEqual({ kind: "system", policy: "schedule" });
    expect(stopped?.at.getTime()).toBeGreaterThan(warning?.at.getTime() ?? Number.POSITIVE_INFINITY);

    // The busy one runs on, never warned (it is stopped once idle, by the ordinary idle policy).
    expect(await fleet.workers.findById(busyId)).toMatchObject({ status: "RUNNING" });
    expect((await eventsOf(fleet, busyId)).some((event) => event.type === "worker.idle_warning")).toBe(false);
    expect((await fleet.workers.findById(holidayId))?.status).toBe("STOPPED");
  });
});
