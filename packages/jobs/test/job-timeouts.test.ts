import { userActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { describe, expect, it, vi } from "vitest";
import { waitForWorker } from "./support/fleet-driver";
import { type FleetHarness, PATIENCE, useHarness } from "./support/fleet-harness";

/**
 * CML_PROVISIONING_TIMEOUT and CML_JOB_TIMEOUT bound whole jobs: a job past
 * its bound stops acting (no further EC2 or CML call, no write), fails with a
 * timeout naming the setting, runs its final-failure handling, and frees the
 * worker's lock. Real Postgres, Redis, BullMQ and the simulator through the
 * real SDK; the faults are the simulator's (a slow CML start, slow EC2).
 */
const operator = userActor("u-ops", "ops");

/** The same faults in every harness: only the settings differ. */
const CML_READY_AFTER_RUNNING_MS = 4_000;
const EC2_LATENCY_MS = 3_000;

type SimStats = Record<"ec2" | "cloudwatch" | "cml", Record<string, number>>;

async function provisionOnce(fleet: FleetHarness): Promise<{ worker: Worker; jobId: string }> {
  const worker = await fleet.createWorker();
  const job = await fleet.queue.enqueue("provision", { workerId: worker.id, actor: operator });
  return { worker, jobId: job.id };
}

/** A worker adopted RUNNING on an instance the simulator runs (no provisioning in the way). */
async function runningWorker(fleet: FleetHarness): Promise<Worker> {
  const launched = await fleet.simJson<{ instanceId: string }>("/_sim/instances", {
    method: "POST",
    body: JSON.stringify({ region: "us-east-1", tags: { Name: "timeout-test" } }),
  });
  await vi.waitFor(async () => {
    const instance = await fleet.simJson<{ state: string }>(`/_sim/instances/${launched.instanceId}`);
    expect(instance.state).toBe("running");
  }, PATIENCE);
  return fleet.createWorker(undefined, "us-east-1", {
    status: "RUNNING",
    desiredStatus: "RUNNING",
    instanceId: launched.instanceId,
  });
}

async function setEc2Latency(fleet: FleetHarness, latencyMs: number): Promise<void> {
  await fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify({ latencyMs }) });
}

async function finishedJob(fleet: FleetHarness, jobId: string) {
  return vi.waitFor(async () => {
    const job = await fleet.queue.get(jobId);
    expect(["COMPLETED", "FAILED"]).toContain(job?.state);
    // The state and the job's record are read apart: wait until the record has caught up too.
    expect(job?.finishedAt).not.toBeNull();
    return job ?? expect.unreachable();
  }, PATIENCE);
}

describe("short bounds: CML_PROVISIONING_TIMEOUT=3s, CML_JOB_TIMEOUT=2s", () => {
  const fleet = useHarness("job-timeouts-short", {
    sim: { cmlReadyDelayMs: CML_READY_AFTER_RUNNING_MS },
    env: { CML_PROVISIONING_TIMEOUT: "3s", CML_JOB_TIMEOUT: "2s", CML_LICENSE_TOKEN: "" },
  });

  it("a provision whose CML is not ready within the bound ends FAILED naming the setting, stops calling EC2 and CML, and frees the worker's lock", {
    timeout: 120_000,
  }, async () => {
    const { worker, jobId } = await provisionOnce(fleet);

    const failed = await waitForWorker(fleet, worker.id, { status: "FAILED" });
    expect(failed.statusReason).toMatch(/timeout: provision job .* ran past CML_PROVISIONING_TIMEOUT \(3s\)/);
    const job = await finishedJob(fleet, jobId);
    expect(job.state).toBe("FAILED");
    expect(job.failedReason).toMatch(/CML_PROVISIONING_TIMEOUT \(3s\)/);
    const events = await fleet.workers.listEvents(worker.id, 50);
    expect(events.find((event) => event.type === "worker.failed")?.reason).toMatch(
      /CML_PROVISIONING_TIMEOUT/,
    );

    // The abandoned attempt made its last call before the deadline: nothing more reaches the simulator
    // while it would still be polling (every 100-300 ms in this harness), and nothing more is written.
    const before = await fleet.simJson<SimStats>("/_sim/stats");
    const stored = await fleet.workers.findById(worker.id);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await fleet.simJson<SimStats>("/_sim/stats")).toEqual(before);
    expect((await fleet.workers.findById(worker.id))?.updatedAt).toEqual(stored?.updatedAt);

    // The lock went with the attempt: the next job on the worker runs.
    await fleet.queue.enqueue("terminate", { workerId: worker.id, actor: operator, force: true });
    await waitForWorker(fleet, worker.id, { status: "TERMINATED" });
  });

  it("a stop against a slow EC2 fails visibly after CML_JOB_TIMEOUT: the job, an event and the worker's reason name the bound", {
    timeout: 120_000,
  }, async () => {
    const worker = await runningWorker(fleet);
    await setEc2Latency(fleet, EC2_LATENCY_MS);
    try {
      const job = await fleet.queue.enqueue("stop", {
        workerId: worker.id,
        actor: operator,
        reason: "end of class",
      });

      const finished = await finishedJob(fleet, job.id);
      expect(finished.state).toBe("FAILED");
      expect(finished.failedReason).toMatch(/timeout: stop job .* ran past CML_JOB_TIMEOUT \(2s\)/);
      const recorded = await waitForWorker(fleet, worker.id, {
        statusReason: expect.stringMatching(/^stop failed: timeout/),
      });
      // The stop was never recorded: the abandoned attempt could not write after its deadline.
      expect(recorded.status).toBe("RUNNING");
      const events = await fleet.workers.listEvents(worker.id, 50);
      expect(events.find((event) => event.type === "worker.operation_failed")).toMatchObject({
        reason: expect.stringMatching(/CML_JOB_TIMEOUT \(2s\)/),
        data: expect.objectContaining({ operation: "stop", desiredStatus: "RUNNING" }),
      });
    } finally {
      await setEc2Latency(fleet, 0);
    }

    // The lock is free: a stop without the slowness runs to the end.
    await fleet.queue.enqueue("stop", { workerId: worker.id, actor: operator, reason: "again" });
    await waitForWorker(fleet, worker.id, { status: "STOPPED" });
  });
});

describe("a license registration that outlasts CML_PROVISIONING_TIMEOUT=4s", () => {
  const fleet = useHarness("job-timeouts-license", {
    sim: { licenseRegistrationDelayMs: 3_600_000 },
    env: { CML_PROVISIONING_TIMEOUT: "4s", CML_LICENSE_REGISTRATION_TIMEOUT: "5m" },
  });

  it("ends the provision FAILED naming the bound, and CML is asked nothing more", {
    timeout: 120_000,
  }, async () => {
    const { worker } = await provisionOnce(fleet);

    const failed = await waitForWorker(fleet, worker.id, { status: "FAILED" });
    expect(failed.statusReason).toMatch(/ran past CML_PROVISIONING_TIMEOUT \(4s\)/);
    const stats = await fleet.simJson<SimStats>("/_sim/stats");
    expect(Object.keys(stats.cml).some((call) => call.includes("licensing"))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await fleet.simJson<SimStats>("/_sim/stats")).toEqual(stats);
  });
});

describe("a sweep bounded by CML_JOB_TIMEOUT=2s", () => {
  const fleet = useHarness("job-timeouts-sweep", {
    env: { CML_JOB_TIMEOUT: "2s", CML_LICENSE_TOKEN: "" },
  });

  it("a telemetry sweep held up by a slow EC2: its region step fails with the timeout, the sweep names the region, and the next sweep runs", {
    timeout: 120_000,
  }, async () => {
    await runningWorker(fleet);
    await setEc2Latency(fleet, EC2_LATENCY_MS);
    try {
      // The sweep fans out a step per region (README, "Telemetry sweep"): the step that reads EC2 is the one bounded.
      const hung = await fleet.queue.enqueue("telemetry-sweep", {});
      expect(await fleet.queue.waitForResult(hung.id, 60_000)).toMatchObject({
        targets: 1,
        workers: 0,
        failedTargets: [
          {
            target: { region: "us-east-1" },
            error: expect.stringMatching(/timeout: telemetry-region job .* ran past CML_JOB_TIMEOUT \(2s\)/),
          },
        ],
      });
    } finally {
      await setEc2Latency(fleet, 0);
    }
    const next = await fleet.queue.enqueue("telemetry-sweep", {});
    expect(await fleet.queue.waitForResult(next.id, 60_000)).toMatchObject({ targets: 1, failedTargets: [] });
  });
});

describe("the same faults with longer bounds: CML_PROVISIONING_TIMEOUT=60s, CML_JOB_TIMEOUT=30s", () => {
  const fleet = useHarness("job-timeouts-long", {
    sim: { cmlReadyDelayMs: CML_READY_AFTER_RUNNING_MS },
    env: { CML_PROVISIONING_TIMEOUT: "60s", CML_JOB_TIMEOUT: "30s", CML_LICENSE_TOKEN: "" },
  });

  it("the provision waits for the slow CML and the stop for the slow EC2: each bound decides when a job fails", {
    timeout: 120_000,
  }, async () => {
    const { worker, jobId } = await provisionOnce(fleet);
    await waitForWorker(fleet, worker.id, { status: "RUNNING", serviceStatus: "AVAILABLE" });
    expect((await finishedJob(fleet, jobId)).state).toBe("COMPLETED");

    const running = await runningWorker(fleet);
    await setEc2Latency(fleet, EC2_LATENCY_MS);
    try {
      const stop = await fleet.queue.enqueue("stop", { workerId: running.id, actor: operator, reason: null });
      expect((await finishedJob(fleet, stop.id)).state).toBe("COMPLETED");
      await waitForWorker(fleet, running.id, { status: "STOPPED" });
    } finally {
      await setEc2Latency(fleet, 0);
    }
  });
});
