import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { codes, gql, workerById } from "../../api/test/graphql/support/graphql-client";
import { patchCml, provisionWorkers, runOnce } from "../../jobs/test/support/fleet-driver";
import { PATIENCE, useHarness } from "../../jobs/test/support/fleet-harness";
import { useHarnessApi } from "./support/harness-api";

const ADMIN = "cmlf_labs-admin-token-0123456789abcdef0123456789ab";

interface HealthView {
  readonly serviceStatus: string;
  readonly serviceStatusReason: string | null;
}

interface LabsView {
  readonly labs: readonly { readonly id: string; readonly title: string; readonly state: string }[];
}

interface JobPayload {
  readonly worker: { readonly id: string };
  readonly job: { readonly id: string; readonly name: string; readonly state: string } | null;
}

interface SimCml {
  readonly stopLabCalls: number;
  readonly labs: readonly { readonly id: string; readonly state: string }[];
}

const STOP_LAB = `mutation ($workerId: ID!, $labId: ID!) {
  stopLab(workerId: $workerId, labId: $labId) { worker { id } job { id name state } }
}`;
const STOP_ALL = `mutation ($id: ID!) { stopAllLabs(id: $id) { worker { id } job { id name state } } }`;

/**
 * CML's health and labs as a user meets them: through the GraphQL API, the
 * job workers and the real CML adapter against the simulator's HTTPS. The
 * simulator fails one health check at a time (`failingChecks`) and holds the
 * labs (`PATCH /_sim/instances/{id}/cml`); its control API counts the stops.
 */
describe("CML health and labs, through the API, the job workers and the simulator's HTTPS", () => {
  const fleet = useHarness("cml-health-labs", {
    env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN, CML_LICENSE_TOKEN: "" },
  });
  const api = useHarnessApi(fleet, { adminToken: ADMIN });
  let viewerToken = "";
  let workerId = "";
  let instanceId = "";

  beforeAll(async () => {
    const token = async (name: string, role: string) =>
      (
        await api.admin<{ createApiToken: { token: string } }>(
          `mutation { createApiToken(name: "${name}", role: ${role}) { token } }`,
        )
      ).createApiToken.token;
    viewerToken = await token("viewer", "VIEWER");
    const [worker] = await provisionWorkers(fleet, ["labs-1"]);
    workerId = worker?.id ?? expect.unreachable("no worker");
    instanceId = worker?.instanceId ?? expect.unreachable("no instance");
  }, 120_000);

  const health = async () =>
    (await workerById<HealthView>(api.admin, workerId, "serviceStatus serviceStatusReason")) ??
    expect.unreachable("the worker is gone");
  const labs = async () =>
    ((await workerById<LabsView>(api.admin, workerId, "labs { id title state }")) ?? expect.unreachable())
      .labs;
  const eventsOf = async (type: FleetEvent["type"]) =>
    (await fleet.workers.listEvents(workerId, 500)).filter((event) => event.type === type).reverse();
  const simCml = () => fleet.simJson<SimCml>(`/_sim/instances/${instanceId}/cml`);
  const as = (token: string, query: string, variables: Record<string, unknown>) =>
    gql<Record<string, JobPayload>>(api.url, query, { token, variables });
  const jobState = async (id: string) =>
    (
      await api.admin<{ job: { state: string } | null }>(`query ($id: ID!) { job(id: $id) { state } }`, {
        id,
      })
    ).job?.state;

  it("shows ERROR with the failing component named, follows it to another component, and recovers", {
    timeout: 120_000,
  }, async () => {
    await runOnce(fleet, "telemetry-sweep");
    expect(await health()).toEqual({ serviceStatus: "AVAILABLE", serviceStatusReason: null });

    await patchCml(fleet, instanceId, { failingChecks: ["libvirt"] });
    await runOnce(fleet, "telemetry-sweep");
    expect(await health()).toEqual({
      serviceStatus: "ERROR",
      serviceStatusReason: "CML system health: controller compute cml-controller: failing libvirt",
    });

    // Another component fails: still ERROR, the reason says which one now.
    await patchCml(fleet, instanceId, { failingChecks: ["core_connected"] });
    await runOnce(fleet, "telemetry-sweep");
    expect(await health()).toEqual({
      serviceStatus: "ERROR",
      serviceStatusReason: "CML system health: controller: failing core_connected",
    });

    await patchCml(fleet, instanceId, { failingChecks: [] });
    await runOnce(fleet, "telemetry-sweep");
    expect(await health()).toEqual({ serviceStatus: "AVAILABLE", serviceStatusReason: null });

    // One event per transition, the first with the component that failed.
    const transitions = (await eventsOf("worker.service_status_changed")).filter(
      (event) => event.data.to === "ERROR" || event.data.from === "ERROR",
    );
    expect(transitions).toEqual([
      expect.objectContaining({
        data: { from: "AVAILABLE", to: "ERROR" },
        reason: "CML system health: controller compute cml-controller: failing libvirt",
      }),
      expect.objectContaining({ data: { from: "ERROR", to: "AVAILABLE" } }),
    ]);
  });

  it("serves the labs a sweep found, and a lab's state once it changes", { timeout: 120_000 }, async () => {
    await patchCml(fleet, instanceId, {
      labs: [
        { id: "lab-a", title: "CCNA 1", state: "STARTED", nodeCount: 3 },
        { id: "lab-b", title: "OSPF", state: "STARTED" },
        { id: "lab-c", title: "Spare", state: "STOPPED" },
      ],
    });
    await runOnce(fleet, "telemetry-sweep");
    expect(await labs()).toEqual([
      { id: "lab-a", title: "CCNA 1", state: "STARTED" },
      { id: "lab-b", title: "OSPF", state: "STARTED" },
      { id: "lab-c", title: "Spare", state: "STOPPED" },
    ]);

    await patchCml(fleet, instanceId, {
      labs: [
        { id: "lab-a", title: "CCNA 1", state: "STARTED", nodeCount: 3 },
        { id: "lab-b", title: "OSPF", state: "STARTED" },
        { id: "lab-c", title: "Spare", state: "STARTED" },
      ],
    });
    await runOnce(fleet, "telemetry-sweep");
    expect((await labs()).map((lab) => lab.state)).toEqual(["STARTED", "STARTED", "STARTED"]);
    // Node counts as CML's lab details give them (the simulator's default is 2).
    const counted = await workerById<{ labs: { id: string; nodeCount: number | null }[] }>(
      api.admin,
      workerId,
      "labs { id nodeCount }",
    );
    expect(counted?.labs).toEqual([
      { id: "lab-a", nodeCount: 3 },
      { id: "lab-b", nodeCount: 2 },
      { id: "lab-c", nodeCount: 2 },
    ]);
    await patchCml(fleet, instanceId, {
      labs: [
        { id: "lab-a", title: "CCNA 1", state: "STARTED", nodeCount: 3 },
        { id: "lab-b", title: "OSPF", state: "STARTED" },
        { id: "lab-c", title: "Spare", state: "STOPPED" },
      ],
    });
    await runOnce(fleet, "telemetry-sweep");
  });

  it("refuses a viewer, a malformed lab id and an unknown lab, changing nothing", async () => {
    const before = await simCml();
    expect(codes(await as(viewerToken, STOP_LAB, { workerId, labId: "lab-a" }))).toEqual(["FORBIDDEN"]);
    expect(codes(await as(viewerToken, STOP_ALL, { id: workerId }))).toEqual(["FORBIDDEN"]);
    const malformed = await as(api.operatorToken, STOP_LAB, { workerId, labId: "lab-a\u202e" });
    expect(codes(malformed)).toEqual(["BAD_USER_INPUT"]);
    expect(malformed.errors[0]?.message).toMatch(/labId/);
    expect(codes(await as(api.operatorToken, STOP_LAB, { workerId, labId: "no-such-lab" }))).toEqual([
      "NOT_FOUND",
    ]);
    expect(await simCml()).toEqual(before);
    expect(await eventsOf("worker.lab_stop_requested")).toEqual([]);
  });

  it("stops one lab as a job: CML is asked once, the labs are served as CML has them after", {
    timeout: 120_000,
  }, async () => {
    const before = (await simCml()).stopLabCalls;
    const answer = await as(api.operatorToken, STOP_LAB, { workerId, labId: "lab-a" });
    expect(answer.errors).toEqual([]);
    const job = answer.data?.stopLab?.job ?? expect.unreachable("no job");
    expect(job).toMatchObject({ id: `stop-lab.${workerId}`, name: "stop-lab" });
    await vi.waitFor(async () => expect(await jobState(job.id)).toBe("COMPLETED"), PATIENCE);

    expect((await simCml()).stopLabCalls).toBe(before + 1);
    // No sweep ran: the job stored the labs as CML listed them after the stop.
    expect(await labs()).toEqual([
      { id: "lab-a", title: "CCNA 1", state: "STOPPED" },
      { id: "lab-b", title: "OSPF", state: "STARTED" },
      { id: "lab-c", title: "Spare", state: "STOPPED" },
    ]);
    expect(await eventsOf("worker.lab_stop_requested")).toEqual([
      expect.objectContaining({ data: { labId: "lab-a", title: "CCNA 1" } }),
    ]);
    expect(await eventsOf("worker.labs_stopped")).toEqual([
      expect.objectContaining({ data: { stopped: ["lab-a"] } }),
    ]);
    const audit = await api.admin<{ auditLog: { action: string; actor: string; outcome: string }[] }>(
      `{ auditLog(action: "stopLab") { action actor outcome } }`,
    );
    // Newest first: the operator's stop, and the viewer's refused attempt before it.
    expect(audit.auditLog).toEqual([
      { action: "stopLab", actor: "ops", outcome: "allowed" },
      { action: "stopLab", actor: "viewer", outcome: "denied" },
    ]);
  });

  it("stops all started labs as a job, asking CML only for those", { timeout: 120_000 }, async () => {
    const before = (await simCml()).stopLabCalls;
    const answer = await as(api.operatorToken, STOP_ALL, { id: workerId });
    expect(answer.errors).toEqual([]);
    const job = answer.data?.stopAllLabs?.job ?? expect.unreachable("no job");
    expect(job).toMatchObject({ id: `stop-all-labs.${workerId}`, name: "stop-all-labs" });
    await vi.waitFor(async () => expect(await jobState(job.id)).toBe("COMPLETED"), PATIENCE);

    // Only lab-b was still started.
    expect((await simCml()).stopLabCalls).toBe(before + 1);
    expect((await labs()).map((lab) => lab.state)).toEqual(["STOPPED", "STOPPED", "STOPPED"]);
    expect((await eventsOf("worker.labs_stopped")).at(-1)).toMatchObject({ data: { stopped: ["lab-b"] } });
  });

  it("stores the labs a refreshWorker found, as the sweep does", { timeout: 120_000 }, async () => {
    await patchCml(fleet, instanceId, { labs: [{ id: "lab-d", title: "EIGRP", state: "STARTED" }] });
    const refreshed = await gql<{ refreshWorker: JobPayload }>(
      api.url,
      `mutation ($id: ID!) { refreshWorker(id: $id) { worker { id } job { id name state } } }`,
      { token: api.operatorToken, variables: { id: workerId } },
    );
    const job = refreshed.data?.refreshWorker.job ?? expect.unreachable("no job");
    await vi.waitFor(async () => expect(await jobState(job.id)).toBe("COMPLETED"), PATIENCE);
    expect(await labs()).toEqual([{ id: "lab-d", title: "EIGRP", state: "STARTED" }]);
  });

  it("is a CONFLICT on a worker that is not running, with nothing asked of CML", async () => {
    const pending = await fleet.createWorker("labs-pending");
    const before = (await simCml()).stopLabCalls;
    expect(codes(await as(api.operatorToken, STOP_ALL, { id: pending.id }))).toEqual(["CONFLICT"]);
    expect(codes(await as(api.operatorToken, STOP_LAB, { workerId: pending.id, labId: "lab-a" }))).toEqual([
      "CONFLICT",
    ]);
    expect((await simCml()).stopLabCalls).toBe(before);
  });
});
