import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import { describe, expect, it, vi } from "vitest";
import { workerById } from "../../api/test/graphql/support/graphql-client";
import { patchCml, provisionWorkers, runOnce } from "../../jobs/test/support/fleet-driver";
import { type FleetHarness, PATIENCE, useHarness } from "../../jobs/test/support/fleet-harness";
import { useHarnessApi } from "./support/harness-api";

const ADMIN = "cmlf_status-checks-admin-0123456789abcdef0123456789";

interface CheckView {
  readonly status: string;
  readonly serviceStatus: string;
  readonly serviceStatusReason: string | null;
  readonly statusChecks: { system: string; instance: string; checkedAt: string } | null;
}
const FIELDS = "status serviceStatus serviceStatusReason statusChecks { system instance checkedAt }";

interface SimStats {
  readonly ec2: Readonly<Record<string, number>>;
}

/** The API over a harness's database and queues, and what a test reads through it. */
function useFleetApi(fleet: FleetHarness) {
  const harnessApi = useHarnessApi(fleet, { adminToken: ADMIN, withOperator: false });
  return {
    view: async (workerId: string) =>
      (await workerById<CheckView>(harnessApi.admin, workerId, FIELDS)) ??
      expect.unreachable("the worker is gone"),
    events: async (workerId: string) => {
      const data = await harnessApi.admin<{
        worker: { events: { type: string; reason: string | null; actor: string }[] };
      }>(`query ($id: ID!) { worker(id: $id) { events(first: 200) { type reason actor } } }`, {
        id: workerId,
      });
      return data.worker.events;
    },
    audit: async () =>
      (
        await harnessApi.admin<{
          auditLog: { actor: string; action: string; target: string | null; outcome: string }[];
        }>(`{ auditLog(actor: "system:status-checks") { actor action target outcome } }`)
      ).auditLog,
  };
}

const count = (events: readonly { type: string }[], type: FleetEvent["type"]) =>
  events.filter((event) => event.type === type).length;

function simOf(fleet: FleetHarness) {
  return {
    setChecks: (instanceId: string, statusChecks: Record<string, string | null>) =>
      fleet.simJson(`/_sim/instances/${instanceId}`, {
        method: "PATCH",
        body: JSON.stringify({ statusChecks }),
      }),
    reboots: async () => (await fleet.simJson<SimStats>("/_sim/stats")).ec2.RebootInstances ?? 0,
  };
}

describe("an impaired status check, with reboots on (after 2 sweeps): through the API, the jobs and the simulator", () => {
  const fleet = useHarness("status-checks-reboot", {
    sim: { statusCheckDelayMs: 300 },
    env: {
      BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      CML_WORKER_REBOOT_ON_IMPAIRED: "true",
      CML_WORKER_IMPAIRED_SWEEPS_BEFORE_REBOOT: "2",
    },
  });
  const api = useFleetApi(fleet);
  const sim = simOf(fleet);

  it("is an event, shows in the API, and reboots the instance once after N sweeps, recorded with its reason", {
    timeout: 180_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["impaired-1"]);
    const id = worker?.id ?? expect.unreachable("no worker");
    const instanceId = worker?.instanceId ?? expect.unreachable("no instance");
    await vi.waitFor(async () => {
      await runOnce(fleet, "telemetry-sweep");
      expect((await api.view(id)).statusChecks).toMatchObject({ system: "ok", instance: "ok" });
    }, PATIENCE);

    await sim.setChecks(instanceId, { system: "impaired" });
    await runOnce(fleet, "telemetry-sweep");
    const impaired = await api.view(id);
    expect(impaired).toMatchObject({
      status: "RUNNING",
      serviceStatus: "ERROR",
      statusChecks: { system: "impaired", instance: "ok" },
    });
    expect(impaired.serviceStatusReason).toContain("EC2 system status check impaired");
    let events = await api.events(id);
    expect(count(events, "worker.status_check_impaired")).toBe(1);
    // One impaired sweep of the two required: no reboot yet.
    expect(count(events, "worker.reboot_requested")).toBe(0);
    expect(await sim.reboots()).toBe(0);

    // The second impaired sweep asks for the reboot; the reboot job reboots the instance.
    await runOnce(fleet, "telemetry-sweep");
    await vi.waitFor(async () => expect(count(await api.events(id), "worker.rebooted")).toBe(1), PATIENCE);
    expect(await sim.reboots()).toBe(1);
    events = await api.events(id);
    expect(events.find((event) => event.type === "worker.reboot_requested")).toMatchObject({
      actor: "system:status-checks",
      reason: "EC2 system status check impaired for 2 consecutive sweeps",
    });
    expect(count(events, "worker.status_check_impaired")).toBe(1);
    expect(await api.audit()).toEqual(
      expect.arrayContaining([
        { actor: "system:status-checks", action: "rebootWorker", target: id, outcome: "allowed" },
        { actor: "system:status-checks", action: "rebootInstance", target: id, outcome: "allowed" },
      ]),
    );

    // The instance boots again: initializing, then ok; the episode closes once, with no second reboot.
    await vi.waitFor(async () => {
      await runOnce(fleet, "telemetry-sweep");
      const healed = await api.view(id);
      expect(healed.statusChecks).toMatchObject({ system: "ok", instance: "ok" });
      expect(healed.serviceStatus).toBe("AVAILABLE");
    }, PATIENCE);
    await runOnce(fleet, "telemetry-sweep");
    events = await api.events(id);
    expect(count(events, "worker.status_check_recovered")).toBe(1);
    expect(count(events, "worker.status_check_impaired")).toBe(1);
    expect(count(events, "worker.reboot_requested")).toBe(1);
    expect(await sim.reboots()).toBe(1);
  });
});

describe("an impaired status check on a worker whose labs run, with reboots on", () => {
  const fleet = useHarness("status-checks-labs", {
    sim: { statusCheckDelayMs: 300 },
    env: {
      BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      CML_WORKER_REBOOT_ON_IMPAIRED: "true",
      CML_WORKER_IMPAIRED_SWEEPS_BEFORE_REBOOT: "1",
    },
  });
  const api = useFleetApi(fleet);
  const sim = simOf(fleet);

  it("withholds the reboot while a lab runs (recorded once), and reboots once the labs have stopped", {
    timeout: 180_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["impaired-labs"]);
    const id = worker?.id ?? expect.unreachable("no worker");
    const instanceId = worker?.instanceId ?? expect.unreachable("no instance");
    await patchCml(fleet, instanceId, { labs: [{ id: "lab-1", title: "OSPF", state: "STARTED" }] });
    await vi.waitFor(async () => {
      await runOnce(fleet, "telemetry-sweep");
      expect((await fleet.workers.findById(id))?.labs).toEqual([
        expect.objectContaining({ state: "STARTED" }),
      ]);
    }, PATIENCE);

    await sim.setChecks(instanceId, { system: "impaired" });
    for (let sweep = 0; sweep < 3; sweep++) {
      await runOnce(fleet, "telemetry-sweep");
    }
    let events = await api.events(id);
    expect(count(events, "worker.reboot_withheld")).toBe(1);
    expect(events.find((event) => event.type === "worker.reboot_withheld")?.reason).toContain(
      "labs are running (lab-1)",
    );
    expect(count(events, "worker.reboot_requested")).toBe(0);
    expect(await sim.reboots()).toBe(0);

    await patchCml(fleet, instanceId, { labs: [{ id: "lab-1", title: "OSPF", state: "STOPPED" }] });
    await runOnce(fleet, "telemetry-sweep");
    await vi.waitFor(async () => expect(count(await api.events(id), "worker.rebooted")).toBe(1), PATIENCE);
    events = await api.events(id);
    expect(count(events, "worker.reboot_requested")).toBe(1);
    expect(count(events, "worker.reboot_withheld")).toBe(1);
    expect(await sim.reboots()).toBe(1);
  });
});

describe("an impaired status check with reboots off (the default)", () => {
  const fleet = useHarness("status-checks-no-reboot", {
    sim: { statusCheckDelayMs: 300 },
    env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN, CML_WORKER_IMPAIRED_SWEEPS_BEFORE_REBOOT: "1" },
  });
  const api = useFleetApi(fleet);
  const sim = simOf(fleet);

  it("is reported once however many sweeps see it, never rebooted, and recovers with an event", {
    timeout: 180_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["impaired-2"]);
    const id = worker?.id ?? expect.unreachable("no worker");
    const instanceId = worker?.instanceId ?? expect.unreachable("no instance");
    await vi.waitFor(async () => {
      await runOnce(fleet, "telemetry-sweep");
      expect((await api.view(id)).statusChecks).toMatchObject({ system: "ok", instance: "ok" });
    }, PATIENCE);

    await sim.setChecks(instanceId, { instance: "impaired" });
    for (let sweep = 0; sweep < 3; sweep++) {
      await runOnce(fleet, "telemetry-sweep");
    }
    const impaired = await api.view(id);
    expect(impaired).toMatchObject({
      serviceStatus: "ERROR",
      statusChecks: { system: "ok", instance: "impaired" },
    });
    expect(impaired.serviceStatusReason).toContain("EC2 instance status check impaired");
    let events = await api.events(id);
    expect(count(events, "worker.status_check_impaired")).toBe(1);
    expect(count(events, "worker.reboot_requested")).toBe(0);
    expect(await sim.reboots()).toBe(0);
    expect(await api.audit()).toEqual([]);

    await sim.setChecks(instanceId, { instance: null });
    await runOnce(fleet, "telemetry-sweep");
    const healed = await api.view(id);
    expect(healed).toMatchObject({
      serviceStatus: "AVAILABLE",
      statusChecks: { system: "ok", instance: "ok" },
    });
    events = await api.events(id);
    expect(count(events, "worker.status_check_recovered")).toBe(1);
    expect(await sim.reboots()).toBe(0);
  });
});
