import { randomUUID } from "node:crypto";
import { userActor } from "@cml-fleet/core/domain/actor";
import { createObservability } from "@cml-fleet/platform/observability/observability";
import { createScheduleRepository } from "@cml-fleet/platform/repositories/schedule.repository";
import { trace } from "@opentelemetry/api";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { provisionWorkers, waitForWorker } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";

const observability = createObservability({ tracer: trace.getTracer("test") });
// Boots take 3 s; the schedule starts 1 s ahead (no history, no default lead, a 1 s evaluation interval).
const fleet = useHarness("schedule-late", {
  jobWorkers: false,
  sim: { bootDelayMs: 3_000, cmlReadyDelayMs: 300 },
  env: { CML_SCHEDULE_DEFAULT_LEAD: "0s", CML_SCHEDULE_EVALUATION_INTERVAL: "1s", CML_LICENSE_TOKEN: "" },
});
// The harness's job process, with this file's observability (closed with the harness).
beforeAll(() => fleet.startJobs({}, { observability }));

const hms = (instant: Date) => instant.toISOString().slice(11, 19);
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

describe("a scheduled start that is late", () => {
  it("is a worker.schedule_late event, once, and counts in cml_fleet_schedule_late_starts_total", {
    timeout: 120_000,
  }, async () => {
    const [provisioned] = await provisionWorkers(fleet, ["late-1"]);
    const worker = provisioned ?? expect.unreachable("no worker");
    await fleet.queue.enqueue("stop", { workerId: worker.id, actor: userActor("u", "ops"), reason: null });
    const stopped = await waitForWorker(fleet, worker.id, { status: "STOPPED" });

    const opensAt = new Date(Math.ceil((Date.now() + 5_000) / 1_000) * 1_000);
    const closesAt = new Date(opensAt.getTime() + 60_000);
    const scheduleId = randomUUID();
    await createScheduleRepository(fleet.testDb.db).create(
      {
        id: scheduleId,
        name: "late",
        timeZone: "UTC",
        windows: [
          { days: [WEEKDAYS[opensAt.getUTCDay()] ?? "MON"], start: hms(opensAt), end: hms(closesAt) },
        ],
        closedDates: [],
        readyAtStart: true,
      },
      { events: [], audit: [] },
    );
    await fleet.workers.save({ ...stopped, scheduleId }, []);

    await vi.waitFor(
      async () => {
        const job = await fleet.queue.enqueue("schedule-evaluate", {});
        await fleet.queue.waitForResult(job.id, 30_000);
        const events = await fleet.workers.listEvents(worker.id, 100);
        expect(events.filter((event) => event.type === "worker.schedule_late")).toHaveLength(1);
      },
      { timeout: 30_000, interval: 200 },
    );
    const late = (await fleet.workers.listEvents(worker.id, 100)).find(
      (event) => event.type === "worker.schedule_late",
    );
    expect(late?.at.getTime()).toBeGreaterThanOrEqual(opensAt.getTime());
    expect(late?.data).toMatchObject({ scheduleId, scheduleName: "late", leadSeconds: 1 });

    // Evaluated again (AVAILABLE by now or not): recorded once.
    await waitForWorker(fleet, worker.id, { serviceStatus: "AVAILABLE" }, PATIENCE);
    const again = await fleet.queue.enqueue("schedule-evaluate", {});
    await fleet.queue.waitForResult(again.id, 30_000);
    const events = await fleet.workers.listEvents(worker.id, 100);
    expect(events.filter((event) => event.type === "worker.schedule_late")).toHaveLength(1);
    const metrics = await observability.metrics.registry.metrics();
    expect(metrics).toContain(
      `cml_fleet_schedule_late_starts_total{region="${worker.region}",instance_type="${worker.instanceType}"} 1`,
    );
  });
});
