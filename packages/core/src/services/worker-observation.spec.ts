import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeCmlClient } from "../../test/support/fake-cml-client";
import { aRunningWorker } from "../../test/support/worker-factory";
import { systemActor } from "../domain/actor";
import type { CmlObservation, WorkerObservation } from "./worker-observation";
import {
  applyObservation,
  healthProblem,
  labsToStore,
  observeCml,
  serviceStatusOf,
} from "./worker-observation";

const healthy = { valid: true, isLicensed: false, computesValid: true };

function look(overrides: Partial<Extract<CmlObservation, { reachable: true }>> = {}): CmlObservation {
  return {
    reachable: true,
    ready: true,
    version: "2.9.0",
    stats: { cpuPercent: 3, memoryPercent: 20, runningNodes: 0, totalNodes: 0 },
    licensing: {
      status: "UNREGISTERED",
      registrationStatus: "NOT_REGISTERED",
      authorizationStatus: "EVAL_MODE",
      nodeLimit: 5,
      nodesInUse: 0,
      expires: null,
    },
    labs: [],
    newestActivityAt: null,
    health: healthy,
    ...overrides,
  };
}

describe("the CML service status of one look", () => {
  it("is AVAILABLE for a ready, healthy controller, licensed or not", () => {
    expect(serviceStatusOf(look())).toEqual({ status: "AVAILABLE", reason: null });
  });

  it("is ERROR with the reason when CML reports itself or a compute not valid", () => {
    expect(serviceStatusOf(look({ health: { ...healthy, valid: false } }))).toEqual({
      status: "ERROR",
      reason: "CML system health: the controller reports itself not valid",
    });
    expect(serviceStatusOf(look({ health: { ...healthy, computesValid: false } })).status).toBe("ERROR");
    expect(healthProblem({ valid: false, isLicensed: true, computesValid: false })).toBe(
      "CML system health: the controller reports itself not valid; a compute is not valid (or none is registered)",
    );
  });

  it("names the failing components in the reason when CML names them", () => {
    const health = {
      ...healthy,
      valid: false,
      computesValid: false,
      failing: ["compute c2: failing libvirt"],
    };
    expect(serviceStatusOf(look({ health }))).toEqual({
      status: "ERROR",
      reason: "CML system health: compute c2: failing libvirt",
    });
  });

  it("is STARTING while CML boots, whatever its health says then, and UNAVAILABLE when it did not answer", () => {
    const booting = look({ ready: false, health: { valid: false, isLicensed: false, computesValid: false } });
    expect(serviceStatusOf(booting)).toEqual({ status: "STARTING", reason: null });
    expect(serviceStatusOf({ reachable: false, error: "connection refused" })).toEqual({
      status: "UNAVAILABLE",
      reason: "connection refused",
    });
  });

  it("is ERROR, not STARTING, when a controller that was serving stops being ready and reports why", () => {
    const broken = look({ ready: false, health: { ...healthy, computesValid: false } });
    expect(serviceStatusOf(broken, "AVAILABLE")).toEqual({
      status: "ERROR",
      reason: "CML system health: a compute is not valid (or none is registered)",
    });
    expect(serviceStatusOf(broken, "ERROR").status).toBe("ERROR");
    expect(serviceStatusOf(broken, "STARTING").status).toBe("STARTING");
    expect(serviceStatusOf(look({ ready: false }), "AVAILABLE").status).toBe("STARTING");
  });
});

describe("the labs an observation stores", () => {
  const lab = (id: string, state = "STARTED") => ({ id, title: `Lab ${id}`, state });
  const observed = (cml: CmlObservation | null): WorkerObservation => ({
    instance: null,
    statusCheck: null,
    metrics: null,
    cml,
    at: new Date("2026-01-01T00:00:00Z"),
  });

  it("stores nothing when CML lists the labs already stored", () => {
    const worker = aRunningWorker({ labs: [lab("a"), lab("b", "STOPPED")] });
    expect(labsToStore(worker, observed(look({ labs: [lab("a"), lab("b", "STOPPED")] })))).toBeNull();
  });

  it("stores the new list when a lab appeared, went, changed state or title, or moved", () => {
    const worker = aRunningWorker({ labs: [lab("a"), lab("b")] });
    for (const labs of [
      [lab("a"), lab("b"), lab("c")],
      [lab("a")],
      [lab("a"), lab("b", "STOPPED")],
      [lab("a"), { ...lab("b"), title: "renamed" }],
      [lab("b"), lab("a")],
    ]) {
      expect(labsToStore(worker, observed(look({ labs })))).toEqual(labs);
    }
  });

  it("keeps the labs last seen when CML was not asked or did not answer", () => {
    const worker = aRunningWorker({ labs: [lab("a")] });
    expect(labsToStore(worker, observed(null))).toBeNull();
    expect(labsToStore(worker, observed({ reachable: false, error: "timeout" }))).toBeNull();
  });
});

describe("a look at a worker's CML", () => {
  const endpoint = (signal?: AbortSignal) => ({
    workerId: "w-1",
    baseUrl: "https://10.0.0.1",
    signal,
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("leaves neither its deadline's timer nor a listener on the caller's signal once it has answered", async () => {
    vi.useFakeTimers();
    const outer = new AbortController();
    const cml = new FakeCmlClient();
    const asked: AbortSignal[] = [];
    const systemInformation = cml.systemInformation.bind(cml);
    cml.systemInformation = async (look) => {
      if (look.signal !== undefined) {
        asked.push(look.signal);
      }
      return systemInformation(look);
    };

    const observation = await observeCml(cml, endpoint(outer.signal), null, 30_000);

    expect(observation.reachable).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(outer.signal, "abort")).toHaveLength(0);
    // The signal the requests carried: nothing of the look listens to it any more, so nothing keeps the look alive.
    expect(asked).toHaveLength(1);
    expect(asked.map((signal) => getEventListeners(signal, "abort").length)).toEqual([0]);
  });

  it("is unreachable once its deadline passes, and says so", async () => {
    vi.useFakeTimers();
    const cml = new FakeCmlClient();
    cml.of("w-1").hang = true;

    const observing = observeCml(cml, endpoint(), null, 5_000);
    await vi.advanceTimersByTimeAsync(5_000);

    expect(await observing).toEqual({
      reachable: false,
      error: "CML at https://10.0.0.1 did not answer within 5000 ms",
    });
  });

  it("is unreachable at once when the caller's signal aborts", async () => {
    const cml = new FakeCmlClient();
    cml.of("w-1").hang = true;
    const outer = new AbortController();

    const observing = observeCml(cml, endpoint(outer.signal), null, 60_000);
    outer.abort(new Error("the job's deadline passed"));

    expect(await observing).toEqual({ reachable: false, error: "the job's deadline passed" });
    expect(getEventListeners(outer.signal, "abort")).toHaveLength(0);
  });

  it("reads the license only when its plan says so, or when the look's answers contradict the stored one", async () => {
    const cml = new FakeCmlClient();
    const fake = cml.of("w-1");
    fake.license = "REGISTERED";
    const quiet = { ask: "if-changed", licensed: true, runningNodes: 0 } as const;

    const unread = await observeCml(cml, endpoint(), null, 30_000, quiet);
    expect(unread).toMatchObject({ reachable: true, licensing: null });
    expect(fake.licensingCalls).toBe(0);

    fake.runningNodes = 2;
    expect(await observeCml(cml, endpoint(), null, 30_000, quiet)).toMatchObject({
      licensing: { status: "REGISTERED", nodesInUse: 2 },
    });
    fake.runningNodes = 0;
    fake.license = "UNREGISTERED";
    expect(await observeCml(cml, endpoint(), null, 30_000, quiet)).toMatchObject({
      licensing: { status: "UNREGISTERED" },
    });
    expect(await observeCml(cml, endpoint(), null, 30_000)).toMatchObject({
      licensing: { status: "UNREGISTERED" },
    });
    expect(fake.licensingCalls).toBe(3);
  });

  it("keeps the stored license when the look did not read it", async () => {
    const cml = new FakeCmlClient();
    const worker = aRunningWorker({
      license: {
        status: "REGISTERED",
        nodeLimit: 20,
        nodesInUse: 1,
        checkedAt: new Date("2026-01-01T00:00:00Z"),
      },
    });
    const look = await observeCml(cml, endpoint(), null, 30_000, {
      ask: "if-changed",
      licensed: false,
      runningNodes: 0,
    });
    const applied = applyObservation(
      worker,
      { instance: null, statusCheck: null, metrics: null, cml: look, at: new Date("2026-01-01T00:01:00Z") },
      443,
      systemActor("telemetry"),
      new Date("2026-01-01T00:01:00Z"),
    );
    expect(applied.worker.license).toEqual(worker.license);
    expect(applied.events.filter((event) => event.type === "worker.license_changed")).toEqual([]);
  });
});
