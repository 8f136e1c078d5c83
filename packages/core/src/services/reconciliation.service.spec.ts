import { describe, expect, it } from "vitest";
import { RecordingJobQueue } from "../../test/support/recording-job-queue";
import { fakeServiceDeps } from "../../test/support/service-deps";
import { aWorker } from "../../test/support/worker-factory";
import { userActor } from "../domain/actor";
import { createReconciliationService } from "./reconciliation.service";

function setup(autoImport = false) {
  const deps = fakeServiceDeps();
  let id = 0;
  const service = createReconciliationService({
    ...deps,
    jobs: new RecordingJobQueue(),
    newId: () => `imported-${++id}`,
    reconciliation: { targets: [{ accountId: "default", region: "us-east-1" }], autoImport, cmlApiPort: 443 },
  });
  return { deps, service };
}

const managed = { "cml-fleet:managed": "true" };

describe("reconciliation", () => {
  it("marks a worker whose instance was terminated outside the fleet TERMINATED, with an event", async () => {
    const { deps, service } = setup();
    const instance = deps.cloud.add({ region: "us-east-1", tags: managed, state: "terminated" });
    const worker = await deps.seed(aWorker({ status: "RUNNING", instanceId: instance.instanceId }));

    const summary = await service.reconcile();

    expect(summary.terminated).toEqual([worker.id]);
    expect((await deps.workers.findById(worker.id))?.status).toBe("TERMINATED");
    const event = deps.workers.events.find((e) => e.type === "worker.terminated");
    expect(event?.reason).toMatch(/was terminated outside the fleet/);
  });

  it("marks a worker whose instance no longer exists TERMINATED", async () => {
    const { deps, service } = setup();
    const worker = await deps.seed(aWorker({ status: "STOPPED", instanceId: "i-gone" }));
    await service.reconcile();
    expect((await deps.workers.findById(worker.id))?.status).toBe("TERMINATED");
  });

  it("corrects a status EC2 contradicts", async () => {
    const { deps, service } = setup();
    const instance = deps.cloud.add({ region: "us-east-1", tags: managed, state: "stopped" });
    const worker = await deps.seed(aWorker({ status: "RUNNING", instanceId: instance.instanceId }));

    const summary = await service.reconcile();

    expect(summary.corrected).toEqual([worker.id]);
    expect((await deps.workers.findById(worker.id))?.status).toBe("STOPPED");
  });

  it("reports an unknown tagged instance once, and imports it on request", async () => {
    const { deps, service } = setup();
    const stray = deps.cloud.add({ region: "us-east-1", tags: { ...managed, Name: "stray" } });

    const first = await service.reconcile();
    await service.reconcile();

    expect(first.orphans).toEqual([
      { target: { accountId: "default", region: "us-east-1" }, instanceId: stray.instanceId },
    ]);
    expect(deps.workers.events.filter((e) => e.type === "fleet.orphan_detected")).toHaveLength(1);

    const [imported] = await service.importWorkers(
      { accountId: "default", region: "us-east-1" },
      null,
      userActor("u1", "alice"),
    );
    expect(imported).toMatchObject({ name: "stray", instanceId: stray.instanceId, status: "RUNNING" });
    expect((await service.reconcile()).orphans).toEqual([]);
  });

  it("imports orphans itself when the settings say so", async () => {
    const { deps, service } = setup(true);
    deps.cloud.add({ region: "us-east-1", tags: managed });
    const summary = await service.reconcile();
    expect(summary.imported).toHaveLength(1);
  });
});
