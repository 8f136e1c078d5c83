import type { Worker } from "@cml-fleet/core/domain/worker";
import { endpointOf } from "@cml-fleet/core/services/instance-readiness";
import { describe, expect, it } from "vitest";
import { patchCml, provisionWorkers, runOnce, waitForWorker } from "./support/fleet-driver";
import { type FleetHarness, useHarness } from "./support/fleet-harness";
import { simCmlClient } from "./support/shard-sweep-fixture";

/**
 * CML_LICENSE_READ_INTERVAL: a sweep reads a settled license only once per
 * interval, unless the look's other answers (health's is_licensed, the
 * running nodes) contradict it; then it is read in that same look. Counted by
 * the simulator's own request counters, through the job process and HTTPS.
 */
const LICENSING = "GET /api/v0/licensing";
const HEALTH = "GET /api/v0/system_health";

interface SimStatsView {
  readonly cml: Record<string, number>;
}

async function registeredWorker(fleet: FleetHarness): Promise<Worker> {
  const [created] = await provisionWorkers(fleet, ["licensed"]);
  if (created === undefined) {
    throw new Error("no worker");
  }
  const worker = await waitForWorker(fleet, created.id, { license: { status: "REGISTERED" } });
  // The first sweep gives the worker its telemetry (running nodes), which the cadence compares against.
  await runOnce(fleet, "telemetry-sweep");
  await fleet.simJson("/_sim/stats", { method: "DELETE" });
  return worker;
}

async function sweepsCounting(
  fleet: FleetHarness,
  sweeps: number,
): Promise<{ licensing: number; health: number }> {
  for (let sweep = 0; sweep < sweeps; sweep++) {
    await runOnce(fleet, "telemetry-sweep");
  }
  const stats = await fleet.simJson<SimStatsView>("/_sim/stats");
  await fleet.simJson("/_sim/stats", { method: "DELETE" });
  return { licensing: stats.cml[LICENSING] ?? 0, health: stats.cml[HEALTH] ?? 0 };
}

// A week: no worker's interval ends during the test (its boundary is offset by the worker's id).
describe.each([
  { interval: "7d", reads: 0 },
  { interval: "0s", reads: 3 },
])("CML_LICENSE_READ_INTERVAL=$interval", ({ interval, reads }) => {
  const fleet = useHarness(`license-read-${interval}`, { env: { CML_LICENSE_READ_INTERVAL: interval } });

  it(`three sweeps of a quiet registered worker read its license ${reads} times, its health every time`, {
    timeout: 120_000,
  }, async () => {
    await registeredWorker(fleet);
    expect(await sweepsCounting(fleet, 3)).toEqual({ licensing: reads, health: 3 });
  });
});

describe("a settled license between two reads", () => {
  const fleet = useHarness("license-read-changed", { env: { CML_LICENSE_READ_INTERVAL: "7d" } });

  it("is read in the next sweep when nodes start, or when CML's health says it is no longer licensed", {
    timeout: 120_000,
  }, async () => {
    const worker = await registeredWorker(fleet);

    await patchCml(fleet, worker.instanceId, { runningNodes: 3 });
    expect(await sweepsCounting(fleet, 1)).toEqual({ licensing: 1, health: 1 });
    expect(await fleet.workers.findById(worker.id)).toMatchObject({
      license: { status: "REGISTERED", nodesInUse: 3 },
    });
    expect(await sweepsCounting(fleet, 1)).toEqual({ licensing: 0, health: 1 });

    // Deregistered behind the fleet's back (a CML client of the test's own, as an operator's script would).
    const cml = simCmlClient(fleet);
    try {
      const stored = await fleet.workers.findById(worker.id);
      const endpoint = stored === null ? null : endpointOf(stored);
      if (endpoint === null) {
        throw new Error("the worker has no CML endpoint");
      }
      await patchCml(fleet, worker.instanceId, { runningNodes: 0 });
      await runOnce(fleet, "telemetry-sweep");
      await cml.deregisterLicense(endpoint);
    } finally {
      cml.close();
    }
    await fleet.simJson("/_sim/stats", { method: "DELETE" });

    expect(await sweepsCounting(fleet, 1)).toEqual({ licensing: 1, health: 1 });
    // The simulated CML falls back to its evaluation mode once deregistered.
    expect((await fleet.workers.findById(worker.id))?.license.status).toBe("EVALUATION");
    const events = await fleet.workers.listEvents(worker.id, 100);
    expect(events.map((event) => event.type)).toContain("worker.license_changed");
  });
});
