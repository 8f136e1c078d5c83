import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCmlClient, type HttpCmlClient } from "../../src/adapters/cml/create-cml-client";
import { observeCml, serviceStatusOf } from "../../src/services/worker-observation";
import { silentLogger } from "../support/silent-logger";
import { readySimWorker, simControl } from "../support/sim-support";

/**
 * The sweep's look at a worker (observeCml) through the real HTTPS client:
 * the healthy path and the call budget, an unhealthy controller (the
 * simulator's `healthy: false`) read from a realistic `system_health` answer,
 * and a controller that is not ready.
 */
let sim: RunningSimulator;
let control: ReturnType<typeof simControl>;
let cml: HttpCmlClient;

const HEALTH = "GET /api/v0/system_health";
const USERNAME = "fleet-admin";
const PASSWORD = "fleet-secret";

beforeAll(async () => {
  sim = await startSimulator({
    bootDelayMs: 50,
    stopDelayMs: 50,
    cmlReadyDelayMs: 50,
    cmlUsername: USERNAME,
    cmlPassword: PASSWORD,
  });
  control = simControl(sim);
  cml = createCmlClient({
    username: USERNAME,
    password: PASSWORD,
    tls: { verify: false },
    requestTimeoutMs: 10_000,
    logger: silentLogger,
  });
});

afterAll(async () => {
  cml.close();
  await sim.close();
});

describe("observing a worker's CML against the simulator", () => {
  it("reads a ready controller's health with one call per look and finds the service AVAILABLE", async () => {
    const { endpoint } = await readySimWorker(sim, control);
    await control.resetStats();

    const look = await observeCml(cml, endpoint, null);

    expect(look).toMatchObject({
      reachable: true,
      ready: true,
      health: { valid: true, computesValid: true },
    });
    expect(serviceStatusOf(look)).toEqual({ status: "AVAILABLE", reason: null });
    expect((await control.stats()).cml[HEALTH]).toBe(1);
  });

  it("finds an unhealthy controller's service ERROR with the reason, and AVAILABLE once it is healthy again", async () => {
    const { instanceId, endpoint } = await readySimWorker(sim, control);
    await control.call("PATCH", `/_sim/instances/${instanceId}/cml`, { healthy: false });

    const sick = await observeCml(cml, endpoint, null);

    expect(sick).toMatchObject({
      reachable: true,
      ready: true,
      health: { valid: false, computesValid: false },
    });
    expect(serviceStatusOf(sick)).toEqual({
      status: "ERROR",
      reason: "CML system health: controller compute cml-controller: failing lld_connected, lld_synced",
    });

    await control.call("PATCH", `/_sim/instances/${instanceId}/cml`, { healthy: true });
    const well = await observeCml(cml, endpoint, null);
    expect(serviceStatusOf(well)).toEqual({ status: "AVAILABLE", reason: null });
  });

  it("names the one failing component: a compute check, then a controller service, then none", async () => {
    const { instanceId, endpoint } = await readySimWorker(sim, control);
    await control.call("PATCH", `/_sim/instances/${instanceId}/cml`, { failingChecks: ["libvirt"] });
    expect(serviceStatusOf(await observeCml(cml, endpoint, null))).toEqual({
      status: "ERROR",
      reason: "CML system health: controller compute cml-controller: failing libvirt",
    });

    await control.call("PATCH", `/_sim/instances/${instanceId}/cml`, { failingChecks: ["core_connected"] });
    const controllerDown = await observeCml(cml, endpoint, null);
    // The compute stays valid: only the controller's own service fails.
    expect(controllerDown).toMatchObject({ health: { valid: false, computesValid: true } });
    expect(serviceStatusOf(controllerDown)).toEqual({
      status: "ERROR",
      reason: "CML system health: controller: failing core_connected",
    });

    await control.call("PATCH", `/_sim/instances/${instanceId}/cml`, { failingChecks: [] });
    expect(serviceStatusOf(await observeCml(cml, endpoint, null))).toEqual({
      status: "AVAILABLE",
      reason: null,
    });
  });

  it("finds a controller that is not ready unreachable, its health unheeded", async () => {
    const { instanceId, endpoint } = await readySimWorker(sim, control);
    await control.call("PATCH", `/_sim/instances/${instanceId}/cml`, { ready: false });

    const look = await observeCml(cml, endpoint, null);

    // Every call but system_information answers 503 until CML is ready: the look as a whole failed.
    expect(look).toMatchObject({ reachable: false, error: expect.stringContaining("503") });
    expect(serviceStatusOf(look).status).toBe("UNAVAILABLE");
  });
});
