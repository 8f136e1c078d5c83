import { describe, expect, it, vi } from "vitest";
import { provisionWorkers, runOnce, SECOND_LONG_IDLE } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";

describe("idle auto-stop in dry-run mode", () => {
  const fleet = useHarness("idle-dry", {
    env: {
      ...SECOND_LONG_IDLE,
      CML_WORKER_IDLE_THRESHOLD: "4s",
      CML_WORKER_MAX_IDLE_BEFORE_WARNING: "2s",
      CML_WORKER_IDLE_DRY_RUN: "true",
    },
  });

  it("records the stop it would make and stops nothing", { timeout: 180_000 }, async () => {
    const [worker] = await provisionWorkers(fleet, ["dry"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    // Sweeps and idle checks, run by hand, until a would-be stop is recorded.
    const event = await vi.waitFor(
      async () => {
        await runOnce(fleet, "telemetry-sweep");
        await runOnce(fleet, "idle-check");
        const events = await fleet.workers.listEvents(worker.id, 100);
        const skipped = events.find((e) => e.type === "worker.auto_stop_skipped" && e.data.dryRun === true);
        expect(skipped).toBeDefined();
        return skipped ?? expect.unreachable();
      },
      { ...PATIENCE, timeout: 120_000 },
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
