import { describe, expect, it } from "vitest";
import { fakeServiceDeps } from "../../test/support/service-deps";
import { aWorker } from "../../test/support/worker-factory";
import { systemActor } from "../domain/actor";
import { ConflictError } from "../errors";
import type { ProgressReporter } from "./job-progress";
import { createProvisioningService } from "./provisioning.service";

const actor = systemActor("provisioning");

function recordingProgress() {
  const steps: { progress: number; step: string }[] = [];
  const reporter: ProgressReporter = {
    report: async (progress, step) => void steps.push({ progress, step }),
  };
  return { steps, reporter };
}

function setup(licenseToken: string | null = "good-token") {
  const deps = fakeServiceDeps();
  const service = createProvisioningService({ ...deps, placement: () => ({}), licenseToken });
  return { deps, service };
}

describe("provisioning", () => {
  it("takes a new worker to RUNNING with CML available and the license registered", async () => {
    const { deps, service } = setup();
    const worker = await deps.seed(aWorker());
    const progress = recordingProgress();

    const done = await service.provision(worker.id, actor, progress.reporter);

    expect(done).toMatchObject({ status: "RUNNING", serviceStatus: "AVAILABLE", cmlVersion: "2.9.0" });
    expect(done.license.status).toBe("REGISTERED");
    expect(done.endpoint).toMatch(/^https:\/\/203\.0\.113\.\d+:443$/);
    expect(deps.cloud.instances.size).toBe(1);
    expect(deps.cloud.instances.get(done.instanceId ?? "")?.tags).toMatchObject({
      "cml-fleet:managed": "true",
      "cml-fleet:worker-id": worker.id,
      Name: worker.name,
    });
    expect(progress.steps.map((step) => step.step)).toEqual([
      "launching instance",
      "waiting for the instance to run",
      "waiting for CML to be ready",
      "registering the license",
      "available",
    ]);
    expect(progress.steps.at(-1)?.progress).toBe(1);
    expect(deps.publisher.workers.at(-1)?.license.status).toBe("REGISTERED");
  });

  it("gets the same instance back when the job dies after the launch call and runs again", async () => {
    const { deps } = setup();
    const worker = await deps.seed(aWorker());
    const crashing = createProvisioningService({
      ...deps,
      placement: () => ({}),
      licenseToken: null,
      afterLaunch: async () => {
        throw new Error("process killed");
      },
    });
    await expect(crashing.provision(worker.id, actor, recordingProgress().reporter)).rejects.toThrow(
      "process killed",
    );
    expect((await deps.workers.findById(worker.id))?.instanceId).toBeNull();

    const retry = createProvisioningService({ ...deps, placement: () => ({}), licenseToken: null });
    const done = await retry.provision(worker.id, actor, recordingProgress().reporter);

    expect(deps.cloud.calls.launch).toBe(2);
    expect(deps.cloud.instances.size).toBe(1);
    expect(done.status).toBe("RUNNING");
  });

  it("resumes a half-done provisioning without launching again", async () => {
    const { deps, service } = setup(null);
    const worker = await deps.seed(aWorker());
    deps.cml.of(worker.id).ready = false;
    deps.readiness.cmlReadyTimeoutMs = 5_000;
    await expect(service.provision(worker.id, actor, recordingProgress().reporter)).rejects.toThrow(
      /gave up waiting/,
    );

    deps.cml.of(worker.id).ready = true;
    const done = await service.provision(worker.id, actor, recordingProgress().reporter);

    expect(deps.cloud.calls.launch).toBe(1);
    expect(done.serviceStatus).toBe("AVAILABLE");
  });

  it("keeps a worker whose license token is refused, with the license INVALID and the reason", async () => {
    const { deps, service } = setup("bad-token");
    const worker = await deps.seed(aWorker());

    const done = await service.provision(worker.id, actor, recordingProgress().reporter);

    expect(done.serviceStatus).toBe("AVAILABLE");
    expect(done.license.status).toBe("INVALID");
    const event = deps.workers.events.find(
      (e) => e.type === "worker.license_changed" && e.data.to === "INVALID",
    );
    expect(event?.reason).toMatch(/invalid token/);
  });

  it("fails for good when the instance is terminated while booting", async () => {
    const { deps, service } = setup(null);
    const worker = await deps.seed(aWorker());
    const original = deps.cloud.launch.bind(deps.cloud);
    deps.cloud.launch = async (request) => {
      const instance = await original(request);
      deps.cloud.instances.set(instance.instanceId, {
        ...instance,
        state: "terminated",
        stateReason: "capacity",
      });
      return instance;
    };
    await expect(service.provision(worker.id, actor, recordingProgress().reporter)).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it("marks the worker FAILED, terminates what it launched, and launches afresh on the next try", async () => {
    const { deps, service } = setup(null);
    const worker = await deps.seed(aWorker());
    deps.cml.of(worker.id).ready = false;
    deps.readiness.cmlReadyTimeoutMs = 5_000;
    await expect(service.provision(worker.id, actor, recordingProgress().reporter)).rejects.toThrow();

    const failed = await service.failProvisioning(worker.id, actor, "CML never became ready");

    expect(failed).toMatchObject({ status: "FAILED", statusReason: "CML never became ready" });
    expect(deps.cloud.stateOf(failed.instanceId)).toBe("shutting-down");
    expect(deps.workers.eventTypes(worker.id)).toContain("worker.failed");

    deps.cml.of(worker.id).ready = true;
    const again = await service.provision(worker.id, actor, recordingProgress().reporter);
    expect(again.status).toBe("RUNNING");
    expect(again.instanceId).not.toBe(failed.instanceId);
    expect(deps.cloud.instances.size).toBe(2);
  });

  it("clears the old instance's certificate pin when it launches a replacement", async () => {
    const { deps, service } = setup(null);
    const pinned =
      "7E:EC:16:44:45:AB:EA:B6:61:DF:27:5E:38:7B:E3:4B:A9:72:62:26:22:63:CD:33:AC:4C:77:A2:10:28:48:4E";
    const worker = await deps.seed(
      aWorker({ cmlTrust: { confirmed: true, certificateFingerprint: pinned, rejectedFingerprint: pinned } }),
    );

    const done = await service.provision(worker.id, actor, recordingProgress().reporter);

    expect(done.cmlTrust).toEqual({
      confirmed: true,
      certificateFingerprint: null,
      rejectedFingerprint: null,
    });
    const launched = (await deps.workers.listEvents(worker.id, 50)).find(
      (event) => event.data.operation === "launch",
    );
    expect(launched?.data.previousCertificatePin).toBe(pinned);
  });

  it("does nothing for a worker that is being terminated", async () => {
    const { deps, service } = setup();
    const worker = await deps.seed(aWorker({ desiredStatus: "TERMINATED" }));
    await service.provision(worker.id, actor, recordingProgress().reporter);
    expect(deps.cloud.calls.launch).toBeUndefined();
  });
});
