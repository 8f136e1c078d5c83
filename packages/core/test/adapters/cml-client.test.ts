import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCmlClient, type HttpCmlClient } from "../../src/adapters/cml/create-cml-client";
import { CmlError } from "../../src/errors";
import { silentLogger } from "../support/silent-logger";
import { readySimWorker, simCmlView, simControl } from "../support/sim-support";

const USERNAME = "fleet-admin";
const PASSWORD = "fleet-secret";

let sim: RunningSimulator;
let control: ReturnType<typeof simControl>;
const clients: HttpCmlClient[] = [];

function client(overrides: Partial<Parameters<typeof createCmlClient>[0]> = {}): HttpCmlClient {
  const created = createCmlClient({
    username: USERNAME,
    password: PASSWORD,
    tls: { verify: false },
    requestTimeoutMs: 10_000,
    logger: silentLogger,
    ...overrides,
  });
  clients.push(created);
  return created;
}

const readyWorker = () => readySimWorker(sim, control);
const cmlView = (instanceId: string) => simCmlView(control, instanceId);
const patchCml = (instanceId: string, patch: Record<string, unknown>) =>
  control.call("PATCH", `/_sim/instances/${instanceId}/cml`, patch);

async function cmlRejection(promise: Promise<unknown>): Promise<CmlError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CmlError) {
      return error;
    }
    throw error;
  }
  throw new Error("expected a CmlError, but the call succeeded");
}

beforeAll(async () => {
  sim = await startSimulator({
    bootDelayMs: 50,
    stopDelayMs: 50,
    cmlReadyDelayMs: 50,
    licenseRegistrationDelayMs: 150,
    cmlUsername: USERNAME,
    cmlPassword: PASSWORD,
  });
  control = simControl(sim);
});

afterAll(async () => {
  for (const created of clients) {
    created.close();
  }
  await sim.close();
});

describe("CML client against the simulator's HTTPS CML API", () => {
  it("probes readiness without a token and reads health and stats", async () => {
    const cml = client();
    const { instanceId, endpoint } = await readyWorker();
    const info = await cml.systemInformation(endpoint);
    expect(info.ready).toBe(true);
    expect(info.version).toMatch(/^\d+\.\d+/);

    await patchCml(instanceId, { runningNodes: 3 });
    expect(await cml.systemStats(endpoint)).toMatchObject({ runningNodes: 3 });
    const stats = await cml.systemStats(endpoint);
    expect(stats.cpuPercent === null || typeof stats.cpuPercent === "number").toBe(true);
    expect(stats.memoryPercent).not.toBeNull();
    expect(await cml.systemHealth(endpoint)).toMatchObject({ valid: true, computesValid: true });

    await patchCml(instanceId, { ready: false });
    expect((await cml.systemInformation(endpoint)).ready).toBe(false);
    expect(await cmlRejection(cml.systemStats(endpoint))).toMatchObject({
      kind: "not-ready",
      httpStatus: 503,
    });
  });

  it("authenticates once, and again once after the tokens expire", async () => {
    const cml = client();
    const { instanceId, endpoint } = await readyWorker();
    await control.resetStats();
    await cml.licensing(endpoint);
    await cml.licensing(endpoint);
    await control.call("POST", `/_sim/instances/${instanceId}/cml/expire-tokens`);
    expect((await cml.licensing(endpoint)).status).toBe("EVALUATION");
    const calls = (await control.stats()).cml;
    expect(calls["POST /api/v0/auth_extended"]).toBe(2);
    expect(calls["GET /api/v0/licensing"]).toBe(4);
  });

  it("rejects wrong credentials as unauthorized", async () => {
    const { endpoint } = await readyWorker();
    const wrong = client({ password: "not-it" });
    expect(await cmlRejection(wrong.licensing(endpoint))).toMatchObject({
      kind: "unauthorized",
      httpStatus: 403,
    });
  });

  it("registers a license until REGISTERED, and reports a bad token as bad-token", async () => {
    const cml = client();
    const { endpoint } = await readyWorker();
    expect(await cml.licensing(endpoint)).toMatchObject({
      status: "EVALUATION",
      authorizationStatus: "EVAL_MODE",
    });

    const bad = await cmlRejection(
      cml.registerLicense(endpoint, "bad-token-value", { pollIntervalMs: 20, timeoutMs: 5_000 }),
    );
    expect(bad).toMatchObject({ kind: "bad-token", httpStatus: 400, code: "BAD_USER_INPUT" });
    expect(bad.message).toContain("invalid");

    const licensed = await cml.registerLicense(endpoint, "good-token", {
      pollIntervalMs: 20,
      timeoutMs: 10_000,
    });
    expect(licensed).toMatchObject({
      status: "REGISTERED",
      registrationStatus: "COMPLETED",
      authorizationStatus: "IN_COMPLIANCE",
      nodeLimit: 300,
    });
    expect(licensed.expires).toBeInstanceOf(Date);
  });

  it("refuses to deregister while nodes run, then deregisters", async () => {
    const cml = client();
    const { instanceId, endpoint } = await readyWorker();
    await cml.registerLicense(endpoint, "good-token", { pollIntervalMs: 20, timeoutMs: 10_000 });
    await patchCml(instanceId, { runningNodes: 2 });

    const refused = await cmlRejection(cml.deregisterLicense(endpoint));
    expect(refused).toMatchObject({ kind: "refused", code: "CONFLICT", retryable: false });
    expect(refused.message).toContain("Cannot de-register when nodes are running");

    await patchCml(instanceId, { runningNodes: 0 });
    expect(await cml.deregisterLicense(endpoint)).toEqual({ localOnly: false });
    expect((await cml.licensing(endpoint)).status).toBe("EVALUATION");
  });

  it("lists labs with their state and stops one", async () => {
    const cml = client();
    const { instanceId, endpoint } = await readyWorker();
    await patchCml(instanceId, {
      labs: [
        { id: "lab-a", title: "OSPF basics", state: "STARTED", nodeCount: 3 },
        { id: "lab-b", title: "BGP", state: "STOPPED" },
      ],
    });
    const labs = await cml.labs(endpoint);
    expect(labs).toEqual(
      expect.arrayContaining([
        { id: "lab-a", title: "OSPF basics", state: "STARTED", nodeCount: 3 },
        // The simulator's default count.
        { id: "lab-b", title: "BGP", state: "STOPPED", nodeCount: 2 },
      ]),
    );
    await cml.stopLab(endpoint, "lab-a");
    expect((await cml.labs(endpoint)).find((lab) => lab.id === "lab-a")?.state).toBe("STOPPED");
    expect(await cmlRejection(cml.stopLab(endpoint, "no-such-lab"))).toMatchObject({ kind: "not-found" });
  });

  it("reports user activity without the fleet's own service account", async () => {
    const cml = client();
    const { instanceId, endpoint } = await readyWorker();
    const serviceUserId = (await cmlView(instanceId)).serviceUserId;
    // The client's own calls produce user_activity events for the service account.
    await cml.licensing(endpoint);
    await cml.systemStats(endpoint);
    expect(await cml.activity(endpoint, null)).toEqual([]);

    const before = new Date(Date.now() - 1_000);
    await patchCml(instanceId, { activity: true });
    const activity = await cml.activity(endpoint, before);
    expect(activity).toHaveLength(1);
    expect(activity[0]).toMatchObject({ category: "user_activity" });
    expect(activity[0]?.userId).not.toBe(serviceUserId);
    expect(activity[0]?.at.getTime()).toBeGreaterThan(before.getTime());

    expect(await cml.activity(endpoint, new Date(Date.now() + 60_000))).toEqual([]);
  });

  it("reports an unreachable controller and an unverifiable certificate as unreachable", async () => {
    const { instanceId, endpoint } = await readyWorker();
    const strict = client({ tls: { verify: true } });
    const untrusted = await cmlRejection(strict.systemInformation(endpoint));
    expect(untrusted).toMatchObject({ kind: "unreachable", retryable: true });

    const cml = client();
    await patchCml(instanceId, { reachable: false });
    const down = await cmlRejection(cml.systemInformation(endpoint));
    expect(down).toMatchObject({ kind: "unreachable", code: "UPSTREAM_UNAVAILABLE" });
    expect(down.message).toContain("ECONNREFUSED");
  });
});
