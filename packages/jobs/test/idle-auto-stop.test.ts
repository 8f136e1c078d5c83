import { describe, expect, it, vi } from "vitest";
import { patchCml, provisionWorkers, runOnce, SECOND_LONG_IDLE } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";

describe("idle auto-stop with second-long thresholds", () => {
  const fleet = useHarness("idle", { env: SECOND_LONG_IDLE });

  it("warns, then stops an idle worker with the reason, and spares busy, kept-alive, unreachable and used ones", {
    timeout: 240_000,
  }, async () => {
    const [idle, busy, kept, unreachable, used] = await provisionWorkers(fleet, [
      "idle",
      "busy",
      "kept",
      "unreachable",
      "used",
    ]);
    if (
      idle === undefined ||
      busy === undefined ||
      kept === undefined ||
      unreachable === undefined ||
      used === undefined
    ) {
      throw new Error("provisioning returned too few workers");
    }
    await patchCml(fleet, busy.instanceId, {
      runningNodes: 2,
      labs: [{ id: "lab-1", title: "ospf", state: "STARTED" }],
    });
    await patchCml(fleet, unreachable.instanceId, { reachable: false });
    const keptNow = await fleet.workers.findById(kept.id);
    if (keptNow === null) {
      throw new Error("kept worker vanished");
    }
    await fleet.workers.save(
      { ...keptNow, idle: { ...keptNow.idle, keepAliveUntil: new Date(Date.now() + 3_600_000) } },
      [],
    );

    let usedDuringWarning = false;
    // Sweeps and idle checks, run by hand, until the idle worker is stopped.
    const stopped = await vi.waitFor(
      async () => {
        await runOnce(fleet, "telemetry-sweep");
        await runOnce(fleet, "idle-check");
        const usedNow = await fleet.workers.findById(used.id);
        if (!usedDuringWarning && usedNow?.idle.warnedAt != null) {
          await patchCml(fleet, used.instanceId, { activity: true });
          usedDuringWarning = true;
        }
        const idleNow = await fleet.workers.findById(idle.id);
        expect(idleNow?.status).toBe("STOPPED");
        return idleNow ?? expect.unreachable();
      },
      { ...PATIENCE, timeout: 180_000 },
    );

    const idleEvents = await fleet.workers.listEvents(stopped.id, 100);
    const types = idleEvents.map((event) => event.type);
    expect(types.indexOf("worker.auto_stopped")).toBeGreaterThan(-1);
    expect(types.lastIndexOf("worker.idle_warning")).toBeGreaterThan(types.indexOf("worker.auto_stopped"));
    const autoStopped = idleEvents.find((event) => event.type === "worker.auto_stopped");
    expect(autoStopped?.reason).toMatch(/^idle: quiet for/);
    expect(autoStopped?.data).toMatchObject({ thresholdMinutes: 8 / 60, runningNodes: 0, dryRun: false });
    expect(stopped.statusReason).toMatch(/^idle/);
    const instance = await fleet.simJson<{ tags: Record<string, string> }>(
      `/_sim/instances/${stopped.instanceId}`,
    );
    expect(instance.tags["cml-fleet:last-action"]).toBe("auto-stop");

    expect(usedDuringWarning).toBe(true);
    for (const spared of [busy, kept, unreachable, used]) {
      const current = await fleet.workers.findById(spared.id);
      expect({ name: spared.name, status: current?.status }).toEqual({
        name: spared.name,
        status: "RUNNING",
      });
      const events = (await fleet.workers.listEvents(spared.id, 100)).map((event) => event.type);
      expect(events).not.toContain("worker.auto_stopped");
    }
    const usedEvents = (await fleet.workers.listEvents(used.id, 100)).map((event) => event.type);
    expect(usedEvents).toContain("worker.idle_warning_cancelled");
    for (const neverWarned of [busy, kept, unreachable]) {
      const events = (await fleet.workers.listEvents(neverWarned.id, 100)).map((event) => event.type);
      expect(events).not.toContain("worker.idle_warning");
    }
  });
});
