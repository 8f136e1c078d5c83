import { userActor } from "@cml-fleet/core/domain/actor";
import type { CloudProvider } from "@cml-fleet/core/ports/cloud-provider.port";
import { createReconciliationService } from "@cml-fleet/core/services/reconciliation.service";
import { createTelemetrySweepService } from "@cml-fleet/core/services/telemetry-sweep.service";
import { describe, expect, it } from "vitest";
import { patchCml, provisionWorkers, waitForWorker } from "./support/fleet-driver";
import { type FleetHarness, useHarness } from "./support/fleet-harness";

interface SimInstance {
  readonly instanceId: string;
  readonly state: string;
}

/** The fleet's tags on its instances (core's FLEET_TAGS). */
const FLEET_TAGS = { managed: "cml-fleet:managed", workerId: "cml-fleet:worker-id" } as const;

const admin = userActor("u-admin", "admin");

function jobDeps(fleet: FleetHarness) {
  const jobs = fleet.jobs;
  if (jobs === null) {
    throw new Error("the harness runs no job process");
  }
  return jobs.deps;
}

async function launchStray(fleet: FleetHarness, tags: Record<string, string>): Promise<SimInstance> {
  return fleet.simJson<SimInstance>("/_sim/instances", {
    method: "POST",
    body: JSON.stringify({ region: "us-east-1", tags: { [FLEET_TAGS.managed]: "true", ...tags } }),
  });
}

/** The cloud, but `describeMany` answers only once `callers` calls have read EC2. */
function afterAll(cloud: CloudProvider, callers: number): CloudProvider {
  const waiting: (() => void)[] = [];
  return {
    ...cloud,
    describeMany: async (target, instanceIds) => {
      const found = await cloud.describeMany(target, instanceIds);
      if (waiting.length + 1 < callers) {
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        for (const resume of waiting.splice(0)) {
          resume();
        }
      }
      return found;
    },
  };
}

describe("one instance is never two workers; refused terminates; stale observations (real Postgres, Redis, simulator)", () => {
  const fleet = useHarness("integrity");

  it("concurrent imports of the same instance, and an import racing reconciliation, make exactly one worker", {
    timeout: 120_000,
  }, async () => {
    const stray = await launchStray(fleet, { Name: "contested" });
    const deps = jobDeps(fleet);
    const described = afterAll(deps.cloud, 3);
    const target = { accountId: fleet.settings.aws.defaultAccount, region: "us-east-1" };
    // Separate services, as separate job processes would be: nothing in memory is shared between them. All three
    // have read EC2 before any goes on, so each finds the instance unknown (the check-then-insert race).
    const importers = [1, 2, 3].map(() => createReconciliationService({ ...deps, cloud: described }));
    const answers = await Promise.all(
      importers.map((service) => service.importWorkers(target, [stray.instanceId], admin)),
    );
    const adopted = await fleet.workers.findByInstanceIds([stray.instanceId]);
    expect(adopted).toHaveLength(1);
    for (const answer of answers) {
      expect(answer.map((worker) => worker.id)).toEqual([adopted[0]?.id]);
    }

    const racer = await launchStray(fleet, { Name: "raced" });
    const autoImport = { ...deps, reconciliation: { ...deps.reconciliation, autoImport: true } };
    await Promise.all([
      createReconciliationService(autoImport).reconcile(),
      createReconciliationService(deps).importWorkers(target, [racer.instanceId], admin),
      createReconciliationService(autoImport).reconcile(),
    ]);
    expect(await fleet.workers.findByInstanceIds([racer.instanceId])).toHaveLength(1);
  });

  it("an orphan whose worker-id tag names a live worker is not imported as a new worker", {
    timeout: 120_000,
  }, async () => {
    const owner = await fleet.createWorker("tag-owner");
    const stray = await launchStray(fleet, { Name: "tag-owner", [FLEET_TAGS.workerId]: owner.id });
    const deps = jobDeps(fleet);
    const summary = await createReconciliationService({
      ...deps,
      reconciliation: { ...deps.reconciliation, autoImport: true },
    }).reconcile();

    expect(summary.imported).toEqual([]);
    expect(summary.orphans).toEqual([expect.objectContaining({ instanceId: stray.instanceId })]);
    expect(await fleet.workers.findByInstanceIds([stray.instanceId])).toEqual([]);
    const reports = await fleet.workers.listEvents(null, 100);
    expect(
      reports.find(
        (event) => event.type === "fleet.orphan_detected" && event.data.instanceId === stray.instanceId,
      )?.message,
    ).toMatch(new RegExp(`worker ${owner.id}`));
  });

  it("a terminate refused because nodes run resets the desired status, with an event saying why", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["busy-lab"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    // A registered license and running nodes: CML refuses to deregister, so the terminate is refused.
    await waitForWorker(fleet, worker.id, { license: { status: "REGISTERED" } });
    await patchCml(fleet, worker.instanceId, { runningNodes: 3 });
    // As terminateWorker saves it: the desired status first, then the job.
    const registered = await fleet.workers.findById(worker.id);
    if (registered === null) {
      throw new Error("worker gone");
    }
    await fleet.workers.save({ ...registered, desiredStatus: "TERMINATED" }, []);
    const job = await fleet.queue.enqueue("terminate", { workerId: worker.id, actor: admin, force: false });
    await expect(fleet.queue.waitForResult(job.id, 60_000)).rejects.toThrow(/nodes are running/);

    const after = await waitForWorker(fleet, worker.id, {
      statusReason: expect.stringMatching(/^terminate failed/),
    });
    expect(after).toMatchObject({ status: "RUNNING", desiredStatus: "RUNNING" });
    const events = await fleet.workers.listEvents(worker.id, 50);
    const failed = events.find((event) => event.type === "worker.operation_failed");
    expect(failed?.data).toMatchObject({
      operation: "terminate",
      desiredStatus: "RUNNING",
      previousDesiredStatus: "TERMINATED",
    });
    expect(failed?.message).toMatch(/desired status back to RUNNING/);
    const instance = await fleet.simJson<SimInstance>(`/_sim/instances/${worker.instanceId}`);
    expect(instance.state).toBe("running");
  });

  it("a sweep that read EC2 before a job's newer write does not overwrite it", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["racing-sweep"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    const deps = jobDeps(fleet);
    // The sweep reads EC2 (running), then a stop job lands before the sweep writes what it read.
    const cloud: CloudProvider = {
      ...deps.cloud,
      describeFleet: async (target) => {
        const seen = await deps.cloud.describeFleet(target);
        await fleet.queue.enqueue("stop", { workerId: worker.id, actor: admin, reason: "end of class" });
        await waitForWorker(fleet, worker.id, { status: "STOPPED" });
        return seen;
      },
    };
    await createTelemetrySweepService({ ...deps, cloud }).sweep();

    const after = await fleet.workers.findById(worker.id);
    expect(after).toMatchObject({ status: "STOPPED", desiredStatus: "STOPPED" });
    const events = await fleet.workers.listEvents(worker.id, 100);
    expect(
      events.filter((event) => event.type === "worker.status_changed" && event.data.from === "STOPPED"),
    ).toEqual([]);
  });
});
