import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimInstanceView } from "../src/control/instance-view";
import { SIM_DEFAULT_CML_PASSWORD } from "../src/options";
import { type RunningSimulator, startSimulator } from "../src/simulator";
import { control } from "./support/control";
import { eventually } from "./support/eventually";
import { httpsJson } from "./support/https-json";

interface CmlView {
  readonly ready: boolean;
  readonly listening: boolean;
  readonly runningNodes: number;
  readonly licenseStatus: string;
  readonly registerCalls: number;
  readonly deregisterCalls: number;
  readonly serviceUserId: string;
}

describe("the simulated CML API over HTTPS", () => {
  let sim: RunningSimulator;
  let instance: SimInstanceView;
  let base: string;

  beforeAll(async () => {
    sim = await startSimulator({
      bootDelayMs: 100,
      cmlReadyDelayMs: 300,
      licenseRegistrationDelayMs: 200,
      cmlTokenTtlMs: 60_000,
    });
    instance = await control<SimInstanceView>(sim.url, "POST", "/_sim/instances", {
      region: "us-west-2",
      tags: { Name: "cml-1" },
    });
    base = `https://${instance.publicIp}:${sim.cmlPort}/api/v0`;
    await eventually(async () => {
      const view = await control<CmlView>(sim.url, "GET", `/_sim/instances/${instance.instanceId}/cml`);
      return view.listening ? view : undefined;
    });
  });

  afterAll(async () => {
    await sim.close();
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
    const info = await eventually(async () => {
      const result = await httpsJson(`${base}/system_information`);
      const body = result.body as { ready: boolean; version: string };
      return body.ready ? body : undefined;
    });
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
    await control(sim.url, "PATCH", `/_sim/instances/${instance.instanceId}/cml`, {
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
    const view = await control<CmlView>(sim.url, "GET", `/_sim/instances/${instance.instanceId}/cml`);
    expect(view.runningNodes).toBe(0);
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
    const licensed = await eventually(async () => {
      const body = (await httpsJson(`${base}/licensing`, { token })).body as {
        registration: { status: string };
        authorization: { status: string };
        features: Array<{ max: number }>;
      };
      return body.registration.status === "COMPLETED" ? body : undefined;
    });
    expect(licensed.authorization.status).toBe("IN_COMPLIANCE");

    await control(sim.url, "PATCH", `/_sim/instances/${instance.instanceId}/cml`, { runningNodes: 2 });
    const blocked = await httpsJson(`${base}/licensing/deregistration`, { method: "DELETE", token });
    expect(blocked).toEqual({
      status: 400,
      body: { code: 400, description: "Cannot de-register when nodes are running" },
    });
    await control(sim.url, "PATCH", `/_sim/instances/${instance.instanceId}/cml`, { runningNodes: 0 });
    expect((await httpsJson(`${base}/licensing/deregistration`, { method: "DELETE", token })).status).toBe(
      204,
    );

    const view = await control<CmlView>(sim.url, "GET", `/_sim/instances/${instance.instanceId}/cml`);
    expect(view).toMatchObject({ licenseStatus: "NOT_REGISTERED", registerCalls: 2, deregisterCalls: 2 });
  });

  it("records the service account's own calls as user_activity, distinct from real users", async () => {
    const { token, id } = await signIn();
    await control(sim.url, "PATCH", `/_sim/instances/${instance.instanceId}/cml`, { activity: true });
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
    await control(sim.url, "POST", `/_sim/instances/${instance.instanceId}/cml/expire-tokens`);
    expect((await httpsJson(`${base}/licensing`, { token })).status).toBe(401);
  });

  it("refuses connections when unreachable and after a stop, and counts calls per path template", async () => {
    await control(sim.url, "PATCH", `/_sim/instances/${instance.instanceId}/cml`, { reachable: false });
    await expect(httpsJson(`${base}/system_information`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await control(sim.url, "PATCH", `/_sim/instances/${instance.instanceId}/cml`, { reachable: true });
    expect((await httpsJson(`${base}/system_information`)).status).toBe(200);

    const stats = await control<{ cml: Record<string, number> }>(sim.url, "GET", "/_sim/stats");
    expect(stats.cml["GET /api/v0/labs/{id}"]).toBeGreaterThanOrEqual(3);
    expect(stats.cml["POST /api/v0/licensing/registration"]).toBe(2);

    await control(sim.url, "POST", `/_sim/instances/${instance.instanceId}/terminate`);
    await eventually(async () => {
      try {
        await httpsJson(`${base}/system_information`);
        return undefined;
      } catch (error) {
        return (error as { code?: string }).code === "ECONNREFUSED" ? true : undefined;
      }
    });
  });
});
