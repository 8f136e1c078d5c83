import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import { describe, expect, it, vi } from "vitest";
import { patchCml, provisionWorkers, runOnce, SECOND_LONG_IDLE } from "./support/fleet-driver";
import { type FleetHarness, PATIENCE, useHarness } from "./support/fleet-harness";

/** The worker's `worker.service_status_changed` events, oldest first. */
async function serviceStatusEvents(fleet: FleetHarness, workerId: string): Promise<FleetEvent[]> {
  const events = await fleet.workers.listEvents(workerId, 100);
  return events.filter((event) => event.type === "worker.service_status_changed").reverse();
}

async function stored(fleet: FleetHarness, workerId: string) {
  const worker = await fleet.workers.findById(workerId);
  if (worker === null) {
    throw new Error(`worker ${workerId} vanished`);
  }
  return worker;
}

describe("a worker whose CML reports itself unhealthy", () => {
  const fleet = useHarness("unhealthy", { env: SECOND_LONG_IDLE });

  it("is seen as ERROR by the next sweep, is never stopped as idle, and is AVAILABLE again once healthy", {
    timeout: 240_000,
  }, async () => {
    const [sick, twin] = await provisionWorkers(fleet, ["sick", "twin"]);
    if (sick === undefined || twin === undefined) {
      throw new Error("provisioning returned too few workers");
    }
    // Both are equally idle (no nodes, no labs, no activity); only the sick one's CML turns unhealthy.
    await patchCml(fleet, sick.instanceId, { healthy: false });

    await runOnce(fleet, "telemetry-sweep");
    const afterSweep = await stored(fleet, sick.id);
    expect(afterSweep).toMatchObject({ status: "RUNNING", serviceStatus: "ERROR" });
    expect((await stored(fleet, twin.id)).serviceStatus).toBe("AVAILABLE");
    const [becameError] = (await serviceStatusEvents(fleet, sick.id)).filter(
      (event) => event.data.to === "ERROR",
    );
    expect(becameError).toMatchObject({
      data: { from: "AVAILABLE", to: "ERROR" },
      reason: "CML system health: controller compute cml-controller: failing lld_connected, lld_synced",
    });

    // Sweeps and idle checks, run by hand, until the idle policy has stopped the healthy twin.
    await vi.waitFor(
      async () => {
        await runOnce(fleet, "telemetry-sweep");
        await runOnce(fleet, "idle-check");
        expect((await stored(fleet, twin.id)).status).toBe("STOPPED");
      },
      { ...PATIENCE, timeout: 180_000 },
    );
    const twinEvents = (await fleet.workers.listEvents(twin.id, 100)).map((event) => event.type);
    expect(twinEvents).toContain("worker.auto_stopped");

    // Quiet just as long as its twin, the sick worker was vetoed every time: never warned, never stopped.
    expect(await stored(fleet, sick.id)).toMatchObject({
      status: "RUNNING",
      serviceStatus: "ERROR",
      idle: { warnedAt: null },
    });
    const sickTypes = (await fleet.workers.listEvents(sick.id, 100)).map((event) => event.type);
    expect(sickTypes).not.toContain("worker.idle_warning");
    expect(sickTypes).not.toContain("worker.auto_stopped");
    const instance = await fleet.simJson<{ state: string }>(`/_sim/instances/${sick.instanceId}`);
    expect(instance.state).toBe("running");

    await patchCml(fleet, sick.instanceId, { healthy: true });
    await runOnce(fleet, "telemetry-sweep");
    expect((await stored(fleet, sick.id)).serviceStatus).toBe("AVAILABLE");
    const moves = (await serviceStatusEvents(fleet, sick.id)).map((event) => event.data);
    expect(moves.slice(-2)).toEqual([
      { from: "AVAILABLE", to: "ERROR" },
      { from: "ERROR", to: "AVAILABLE" },
    ]);

    // The veto is lifted: the next idle check warns the worker that has been quiet all along.
    await runOnce(fleet, "idle-check");
    const sickEvents = (await fleet.workers.listEvents(sick.id, 100)).map((event) => event.type);
    expect(sickEvents).toContain("worker.idle_warning");
  });
});
