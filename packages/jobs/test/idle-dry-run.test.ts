import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionWorkers, runOnce } from "./support/fleet-driver";
import { type FleetHarness, startHarness } from "./support/fleet-harness";

describe("idle auto-stop in dry-run mode", () => {
  let fleet: FleetHarness;
  beforeAll(async () => {
    fleet = await startHarness("idle-dry", {
      env: {
        CML_WORKER_IDLE_THRESHOLD: "4s",
        CML_WORKER_MAX_IDLE_BEFORE_WARNING: "2s",
        CML_WORKER_IDLE_SNOOZE_AFTER_START: "0s",
        CML_WORKER_IDLE_MIN_UPTIME: "0s",
        CML_WORKER_IDLE_STALE_TELEMETRY_AGE: "60s",
        CML_WORKER_TELEMETRY_COLLECTION_INTERVAL: "5s",
        CML_WORKER_IDLE_CPU_VETO_PERCENT: "100",
        CML_WORKER_IDLE_DRY_RUN: "true",
        CML_LICENSE_TOKEN: "",
      },
    });
  }, 120_000);
  afterAll(() => fleet.close());

  it("records the stop it would make and stops nothing", { timeout: 180_000 }, async () => {
    const [worker] = await provisionWorkers(fleet, ["dry"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    const event = await fleet.until(
      "a would-be stop to be recorded",
      async () => {
        await runOnce(fleet, "telemetry-sweep");
        await runOnce(fleet, "idle-check");
        const events = await fleet.workers.listEvents(worker.id, 100);
        return events.find((e) => e.type === "worker.auto_stop_skipped" && e.data.dryRun === true) ?? null;
      },
      120_000,
    );
    expect(event.message).toMatch(/dry run/);
    await runOnce(fleet, "idle-check");
    expect((await fleet.workers.findById(worker.id))?.status).toBe("RUNNING");
    const instance = await fleet.simJson<{ state: string }>(`/_sim/instances/${worker.instanceId}`);
    expect(instance.state).toBe("running");
    const jobs = await fleet.queue.list({ workerId: worker.id, first: 20 });
    expect(jobs.map((job) => job.name)).not.toContain("stop");
  });
});
