import { describe, expect, it } from "vitest";
import { fakeServiceDeps, silentProgress } from "../../test/support/service-deps";
import { aWorker } from "../../test/support/worker-factory";
import { systemActor, userActor } from "../domain/actor";
import { createLifecycleService } from "./lifecycle.service";

const alice = userActor("u1", "alice");

async function runningWorker(license: "REGISTERED" | "UNREGISTERED" = "REGISTERED") {
  const deps = fakeServiceDeps();
  const worker = await deps.seedRunning({
    license: { status: license, nodeLimit: 20, nodesInUse: 0, checkedAt: null },
  });
  deps.cml.of(worker.id).license = license;
  return { deps, worker, service: createLifecycleService(deps) };
}

describe("lifecycle", () => {
  it("stops a worker with the reason, tags the instance, then starts it again", async () => {
    const { deps, worker, service } = await runningWorker();

    const stopped = await service.stop(worker.id, alice, "end of class", silentProgress);
    expect(stopped).toMatchObject({
      status: "STOPPED",
      desiredStatus: "STOPPED",
      serviceStatus: "UNAVAILABLE",
    });
    expect(deps.cloud.instances.get(worker.instanceId ?? "")?.tags["cml-fleet:last-action-reason"]).toBe(
      "alice: end of class",
    );
    const stopEvent = deps.workers.events.find(
      (e) => e.type === "worker.status_changed" && e.data.to === "STOPPING",
    );
    expect(stopEvent?.reason).toBe("end of class");

    const started = await service.start(worker.id, alice, silentProgress);
    expect(started).toMatchObject({
      status: "RUNNING",
      serviceStatus: "AVAILABLE",
      desiredStatus: "RUNNING",
    });
    expect(started.idle.lastStartedAt).not.toBeNull();
    const ready = deps.workers.events.filter((e) => e.type === "worker.service_status_changed").at(-1);
    expect(ready).toMatchObject({
      message: `${worker.name}: CML 2.9.0 is ready`,
      reason: null,
      data: { from: "STARTING", to: "AVAILABLE" },
    });
    expect(ready?.data).toEqual({ from: "STARTING", to: "AVAILABLE" });
  });

  it("tags an idle stop as an auto-stop", async () => {
    const { deps, worker, service } = await runningWorker();
    await service.stop(worker.id, systemActor("idle-auto-stop"), "idle: quiet for 30 min", silentProgress);
    expect(deps.cloud.instances.get(worker.instanceId ?? "")?.tags).toMatchObject({
      "cml-fleet:last-action": "auto-stop",
      "cml-fleet:last-action-reason": "system:idle-auto-stop: idle: quiet for 30 min",
    });
  });

  it("deregisters the license before terminating", async () => {
    const { deps, worker, service } = await runningWorker();

    const done = await service.terminate(worker.id, alice, false, silentProgress);

    expect(done.status).toBe("TERMINATED");
    expect(done.license.status).toBe("UNREGISTERED");
    expect(deps.cml.of(worker.id).deregisterCalls).toBe(1);
    const types = deps.workers.eventTypes(worker.id);
    expect(types.indexOf("worker.license_changed")).toBeLessThan(types.indexOf("worker.terminated"));
    const released = deps.workers.events.find((e) => e.type === "worker.license_changed");
    expect(released).toMatchObject({
      message: `${worker.name}: license REGISTERED -> UNREGISTERED`,
      reason: "deregistered before termination",
    });
    expect(released?.data).toEqual({ from: "REGISTERED", to: "UNREGISTERED" });
  });

  it("refuses to terminate while nodes run, unless forced to stop the labs", async () => {
    const { deps, worker, service } = await runningWorker();
    const cml = deps.cml.of(worker.id);
    cml.runningNodes = 3;
    cml.labs = [{ id: "lab1", title: "ospf", state: "STARTED" }];

    await expect(service.terminate(worker.id, alice, false, silentProgress)).rejects.toThrow(
      /refuses to deregister its license while nodes are running/,
    );
    expect(deps.cloud.stateOf(worker.instanceId)).toBe("running");

    const done = await service.terminate(worker.id, alice, true, silentProgress);
    expect(done.status).toBe("TERMINATED");
    expect(cml.labs[0]?.state).toBe("STOPPED");
    expect(cml.license).toBe("UNREGISTERED");
  });

  it("says so in an event when a stopped worker is terminated with its license still registered", async () => {
    const { deps, worker, service } = await runningWorker();
    await service.stop(worker.id, alice, null, silentProgress);

    await expect(service.terminate(worker.id, alice, false, silentProgress)).rejects.toThrow(
      /cannot be deregistered/,
    );
    const done = await service.terminate(worker.id, alice, true, silentProgress);

    expect(done.status).toBe("TERMINATED");
    const left = deps.workers.events.find((e) => e.data.licenseLeftRegistered === true);
    expect(left?.message).toMatch(/may stay registered/);
  });

  it("terminates a worker that never got an instance without calling EC2", async () => {
    const deps = fakeServiceDeps();
    const worker = await deps.seed(aWorker({ status: "FAILED" }));
    const done = await createLifecycleService(deps).terminate(worker.id, alice, false, silentProgress);
    expect(done.status).toBe("TERMINATED");
    expect(deps.cloud.calls.terminate).toBeUndefined();
  });

  it("refreshes a worker's state from EC2 and CML", async () => {
    const { deps, worker, service } = await runningWorker("UNREGISTERED");
    deps.cml.of(worker.id).runningNodes = 2;
    deps.cml.of(worker.id).labs = [{ id: "l", title: "bgp", state: "STARTED" }];

    const fresh = await service.refresh(worker.id, systemActor("lifecycle"), silentProgress);

    expect(fresh.telemetry).toMatchObject({ runningNodes: 2, startedLabs: 1, cmlReachable: true });
    expect(fresh.labs).toHaveLength(1);
    expect(deps.workers.telemetry).toHaveLength(1);
  });
});
