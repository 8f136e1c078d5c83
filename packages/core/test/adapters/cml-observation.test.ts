import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCmlClient, type HttpCmlClient } from "../../src/adapters/cml/create-cml-client";
import { observeCml, serviceStatusOf } from "../../src/services/worker-observation";
import { silentLogger } from "../support/silent-logger";
import { readySimWorker, simControl } from "./sim-support";

/**
 * The sweep's look at a worker (observeCml) through the real HTTPS client.
 * The simulator's `system_health` always reports a valid controller and
 * compute, and its control API cannot change that, so ERROR is covered by the
 * unit specs with the fake client; here: the healthy path and the call budget.
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

  it("finds a controller that is not ready unreachable, its health unheeded", async () => {
    const { instanceId, endpoint } = await readySimWorker(sim, control);
    await control.call("PATCH", `/_sim/instances/${instanceId}/cml`, { ready: false });

    const look = await observeCml(cml, endpoint, null);

    // Every call but system_information answers 503 until CML is ready: the look as a whole failed.
    expect(look).toMatchObject({ reachable: false, error: expect.stringContaining("503") });
    expect(serviceStatusOf(look).status).toBe("UNAVAILABLE");
  });
});
