import { beforeAll, describe, expect, it, vi } from "vitest";
import type { SimInstanceView } from "../src/control/instance-view";
import { SIM_DEFAULT_CML_PASSWORD } from "../src/options";
import { cmlOf, control, patchCml } from "./support/control";
import { httpsJson } from "./support/https-json";
import { PATIENCE, useSimulator } from "./support/simulator";

describe("the simulated CML API over HTTPS", () => {
  const suite = useSimulator({
    bootDelayMs: 100,
    cmlReadyDelayMs: 300,
    licenseRegistrationDelayMs: 200,
    cmlTokenTtlMs: 60_000,
  });
  let instance: SimInstanceView;
  let base: string;
  const cml = () => cmlOf(suite.sim.url, instance.instanceId);
  const patch = (body: Readonly<Record<string, unknown>>) =>
    patchCml(suite.sim.url, instance.instanceId, body);

  beforeAll(async () => {
    instance = await control<SimInstanceView>(suite.sim.url, "POST", "/_sim/instances", {
      region: "us-west-2",
      tags: { Name: "cml-1" },
    });
    base = `https://${instance.publicIp}:${suite.sim.cmlPort}/api/v0`;
    await vi.waitFor(async () => expect((await cml()).listening).toBe(true), PATIENCE);
  });

  async function signIn(): Promise<{ token: string; id: string }> {
    const result = await httpsJson(`${base}/auth_extended`, {
      method: "POST",
      body: { username: "admin", password: SIM_DEFAULT_CML_PASSWORD },
    });
    expect(result.status).toBe(200);
    return result.body as { token: string; id: string };
  }

  it("reports ready only after the ready delay, without a token", async () => {
    const info = await vi.waitFor(async () => {
      const body = (await httpsJson(`${base}/system_information`)).body as {
        ready: boolean;
        version: string;
      };
      expect(body.ready).toBe(true);
      return body;
    }, PATIENCE);
    expect(info.version).toBe("2.9.0");
  });

  it("authenticates with a bare JWT-shaped string and refuses bad credentials", async () => {
    const ok = await httpsJson(`${base}/authenticate`, {
      method: "POST",
      body: { username: "admin", password: SIM_DEFAULT_CML_PASSWORD },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const bad = await httpsJson(`${base}/authenticate`, {
      method: "POST",
      body: { username: "admin", password: "nope" },
    });
    expect(bad.status).toBe(403);
    expect((await httpsJson(`${base}/system_stats`)).status).toBe(401);
  });

  it("serves stats, health, labs and their start/stop with running nodes", async () => {
    const { token } = await signIn();
    await patch({
      labs: [
        { id: "lab-a", title: "Routing", state: "STARTED", nodeCount: 3 },
        { id: "lab-b", title: "Switching", state: "STOPPED" },
      ],
      runningNodes: 3,
    });
    const stats = (await httpsJson(`${base}/system_stats`, { token })).body as {
      all: { cpu: { count: number; percent: number } };
      computes: Record<string, { stats: { dominfo: { running_nodes: number } } }>;
    };
    const computes = Object.values(stats.computes);
    expect(computes.reduce((sum, compute) => sum + compute.stats.dominfo.running_nodes, 0)).toBe(3);
    expect(stats.all.cpu.percent).toBeGreaterThan(3);

    const health = (await httpsJson(`${base}/system_health`, { token })).body as {
      valid: boolean;
      is_licensed: boolean;
    };
    expect(health).toMatchObject({ valid: true, is_licensed: false });

    expect((await httpsJson(`${base}/labs?show_all=true`, { token })).body).toEqual(["lab-a", "lab-b"]);
    expect((await httpsJson(`${base}/labs/lab-a`, { token })).body).toMatchObject({
      lab_title: "Routing",
      state: "STARTED",
    });
    expect((await httpsJson(`${base}/labs/nope`, { token })).status).toBe(404);

    expect((await httpsJson(`${base}/labs/lab-a/stop`, { method: "PUT", token })).status).toBe(204);
    expect((await httpsJson(`${base}/labs/lab-a`, { token })).body).toMatchObject({ state: "STOPPED" });
    const view = await cml();
    expect(view.runningNodes).toBe(0);
  });

  it("reports the controller and its compute not valid while unhealthy, and valid again after", async () => {
    const { token } = await signIn();
    type Health = {
      valid: boolean;
      computes: Record<string, { is_controller: boolean; valid: boolean; admission_state: string }>;
      controller: { valid: boolean };
    };
    const health = async () => {
      const answer = await httpsJson(`${base}/system_health`, { token });
      expect(answer.status).toBe(200);
      return answer.body as Health;
    };
    expect((await cml()).healthy).toBe(true);

    expect(await patch({ healthy: false })).toMatchObject({ healthy: false, ready: true, listening: true });
    const sick = await health();
    expect(sick).toMatchObject({ valid: false, controller: { valid: true } });
    expect(Object.values(sick.computes)).toEqual([
      expect.objectContaining({ is_controller: true, valid: false, admission_state: "ONLINE" }),
    ]);
    // Readiness is its own switch: an unhealthy controller still answers every call.
    expect((await httpsJson(`${base}/system_information`)).body).toMatchObject({ ready: true });

    expect(await patch({ healthy: true })).toMatchObject({ healthy: true });
    const well = await health();
    expect(well.valid).toBe(true);
    expect(Object.values(well.computes)).toEqual([
      expect.objectContaining({ valid: true, admission_state: "READY" }),
    ]);
  });

  it("registers a license asynchronously, refuses bad tokens and deregistration while nodes run", async () => {
    const { token } = await signIn();
    const refused = await httpsJson(`${base}/licensing/registration`, {
      method: "POST",
      token,
      body: { token: "bad-token", reregister: false },
    });
    expect(refused.status).toBe(400);

    const accepted = await httpsJson(`${base}/licensing/registration`, {
      method: "POST",
      token,
      body: { token: "good-token", reregister: false },
    });
    expect(accepted.status).toBe(204);
    const inProgress = (await httpsJson(`${base}/licensing`, { token })).body as {
      registration: { status: string };
    };
    expect(inProgress.registration.status).toBe("IN_PROGRESS");
    const licensed = await vi.waitFor(async () => {
      const body = (await httpsJson(`${base}/licensing`, { token })).body as {
        registration: { status: string };
        authorization: { status: string };
        features: Array<{ max: number }>;
      };
      expect(body.registration.status).toBe("COMPLETED");
      return body;
    }, PATIENCE);
    expect(licensed.authorization.status).toBe("IN_COMPLIANCE");

    await patch({ runningNodes: 2 });
    const blocked = await httpsJson(`${base}/licensing/deregistration`, { method: "DELETE", token });
    expect(blocked).toEqual({
      status: 400,
      body: { code: 400, description: "Cannot de-register when nodes are running" },
    });
    await patch({ runningNodes: 0 });
    expect((await httpsJson(`${base}/licensing/deregistration`, { method: "DELETE", token })).status).toBe(
      204,
    );

    const view = await cml();
    expect(view).toMatchObject({ licenseStatus: "NOT_REGISTERED", registerCalls: 2, deregisterCalls: 2 });
  });

  it("records the service account's own calls as user_activity, distinct from real users", async () => {
    const { token, id } = await signIn();
    await patch({ activity: true });
    const events = (await httpsJson(`${base}/telemetry/events`, { token })).body as Array<{
      category: string;
      timestamp: string;
      data: { user_id: string };
    }>;
    const own = events.filter((event) => event.data.user_id === id);
    const others = events.filter((event) => event.data.user_id !== id);
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((event) => event.category === "user_activity" || event.category.endsWith("_lab"))).toBe(
      true,
    );
    expect(others).toHaveLength(1);
    expect(others[0]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+$/);
  });

  it("answers 401 once tokens expire", async () => {
    const { token } = await signIn();
    expect((await httpsJson(`${base}/licensing`, { token })).status).toBe(200);
    await control(suite.sim.url, "POST", `/_sim/instances/${instance.instanceId}/cml/expire-tokens`);
    expect((await httpsJson(`${base}/licensing`, { token })).status).toBe(401);
  });

  it("refuses connections when unreachable and after a stop, and counts calls per path template", async () => {
    await patch({ reachable: false });
    await expect(httpsJson(`${base}/system_information`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await patch({ reachable: true });
    expect((await httpsJson(`${base}/system_information`)).status).toBe(200);

    const stats = await control<{ cml: Record<string, number> }>(suite.sim.url, "GET", "/_sim/stats");
    expect(stats.cml["GET /api/v0/labs/{id}"]).toBeGreaterThanOrEqual(3);
    expect(stats.cml["POST /api/v0/licensing/registration"]).toBe(2);

    await control(suite.sim.url, "POST", `/_sim/instances/${instance.instanceId}/terminate`);
    await vi.waitFor(
      () => expect(httpsJson(`${base}/system_information`)).rejects.toMatchObject({ code: "ECONNREFUSED" }),
      PATIENCE,
    );
  });
});
