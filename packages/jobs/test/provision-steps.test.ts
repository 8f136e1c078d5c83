import { userActor } from "@cml-fleet/core/domain/actor";
import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { Queue } from "bullmq";
import { afterAll, describe, expect, it, vi } from "vitest";
import { TEST_REDIS_URL } from "../../platform/test/support/test-redis";
import { STEP_WAIT_KEY } from "../src/runtime/step-wait";
import { waitForWorker } from "./support/fleet-driver";
import { type FleetHarness, PATIENCE, useHarness } from "./support/fleet-harness";
import { type ChildJobProcess, spawnJobProcess } from "./support/job-process-child";

const alice = userActor("u1", "alice");

interface SimInstance {
  readonly instanceId: string;
  readonly state: string;
  readonly tags: Record<string, string>;
}

/** The harness's provision queue as BullMQ sees it (states, job data). */
function provisionQueue(fleet: FleetHarness): Queue {
  return new Queue(queueName("provision"), { connection: { url: TEST_REDIS_URL }, prefix: fleet.keyPrefix });
}

async function eventsOf(fleet: FleetHarness, workerId: string): Promise<FleetEvent[]> {
  return fleet.workers.listEvents(workerId, 200);
}

function launchedAt(events: readonly FleetEvent[]): number {
  const launch = events.find(
    (event) => event.type === "worker.operation_requested" && event.data.operation === "launch",
  );
  return launch?.at.getTime() ?? Number.NaN;
}

function availableAt(events: readonly FleetEvent[]): number {
  const ready = events.find(
    (event) => event.type === "worker.service_status_changed" && event.data.to === "AVAILABLE",
  );
  return ready?.at.getTime() ?? Number.NaN;
}

async function instancesOf(fleet: FleetHarness, workerId: string): Promise<SimInstance[]> {
  const instances = await fleet.simJson<SimInstance[]>("/_sim/instances");
  return instances.filter((instance) => instance.tags["cml-fleet:worker-id"] === workerId);
}

/**
 * A provision hands its job slot back while it waits for the boot and for
 * CML (README, "Provisioning in steps"): one job slot serves many waits.
 */
describe("provisioning in steps", () => {
  const fleet = useHarness("provision-steps", {
    jobWorkers: false,
    // Each wait long enough that one slot held through it would serialize the workers.
    sim: { bootDelayMs: 3_000, cmlReadyDelayMs: 3_000 },
    env: { CML_LICENSE_TOKEN: "" },
  });

  it("brings five workers to AVAILABLE through one job slot, their waits side by side in the delayed state", {
    timeout: 120_000,
  }, async () => {
    await fleet.startJobs({ concurrency: 1 });
    const queue = provisionQueue(fleet);
    try {
      const workers = await Promise.all(Array.from({ length: 5 }, (_, i) => fleet.createWorker(`step-${i}`)));
      let mostDelayed = 0;
      let mostActive = 0;
      for (const worker of workers) {
        await fleet.queue.enqueue("provision", { workerId: worker.id, actor: alice });
      }
      await vi.waitFor(async () => {
        const counts = await queue.getJobCounts("active", "delayed");
        mostDelayed = Math.max(mostDelayed, counts.delayed ?? 0);
        mostActive = Math.max(mostActive, counts.active ?? 0);
        const current = await fleet.workers.findByIds(workers.map((worker) => worker.id));
        expect(current.filter((worker) => worker.serviceStatus === "AVAILABLE")).toHaveLength(5);
      }, PATIENCE);

      // Waiting jobs sat in BullMQ's delayed state, never more than the one slot active.
      expect(mostDelayed).toBeGreaterThanOrEqual(2);
      expect(mostActive).toBeLessThanOrEqual(1);
      // Every worker was launched before the first one was ready: the waits overlapped.
      const events = await Promise.all(workers.map((worker) => eventsOf(fleet, worker.id)));
      const lastLaunch = Math.max(...events.map(launchedAt));
      const firstReady = Math.min(...events.map(availableAt));
      expect(lastLaunch).toBeLessThan(firstReady);
      for (const worker of workers) {
        expect(await instancesOf(fleet, worker.id)).toHaveLength(1);
      }
    } finally {
      await queue.close();
    }
  });
});

describe("a stop asked while a provision waits between its steps", () => {
  const fleet = useHarness("provision-steps-stop", {
    sim: { bootDelayMs: 2_000, cmlReadyDelayMs: 3_000 },
    env: { CML_LICENSE_TOKEN: "" },
  });

  it("runs after the provision, not between its steps: the worker ends STOPPED, never FAILED, its instance kept", {
    timeout: 120_000,
  }, async () => {
    const worker = await fleet.createWorker();
    await fleet.queue.enqueue("provision", { workerId: worker.id, actor: alice });
    // The provision launched and waits (delayed) for the boot or CML.
    const pending = await waitForWorker(fleet, worker.id, { instanceId: expect.any(String) });
    await fleet.queue.enqueue("stop", { workerId: worker.id, actor: alice, reason: "changed my mind" });

    const stopped = await waitForWorker(fleet, worker.id, { status: "STOPPED" });
    const events = await eventsOf(fleet, worker.id);
    expect(events.map((event) => event.type)).not.toContain("worker.failed");
    // The provision finished first (CML was ready), then the stop ran.
    expect(Number.isFinite(availableAt(events))).toBe(true);
    expect(stopped.instanceId).toBe(pending.instanceId);
    expect(await instancesOf(fleet, worker.id)).toEqual([
      expect.objectContaining({ instanceId: pending.instanceId, state: "stopped" }),
    ]);
  });
});

describe("a provision whose CML never gets ready", () => {
  const fleet = useHarness("provision-steps-deadline", {
    sim: { cmlReadyDelayMs: 3_600_000 },
    env: { CML_LICENSE_TOKEN: "", CML_STARTUP_TIMEOUT: "3s" },
  });

  it("fails at CML_STARTUP_TIMEOUT counted from the start of the wait, across its steps, the worker FAILED with the reason", {
    timeout: 120_000,
  }, async () => {
    const queue = provisionQueue(fleet);
    try {
      const worker = await fleet.createWorker();
      const job = await fleet.queue.enqueue("provision", { workerId: worker.id, actor: alice });
      const failed = await waitForWorker(fleet, worker.id, { status: "FAILED" });
      expect(failed.statusReason).toMatch(/gave up waiting for CML on .* to be ready/);

      // The worker's failure is written before BullMQ records the job's.
      const finished = await vi.waitFor(async () => {
        const found = await queue.getJob(job.id);
        expect(await found?.getState()).toBe("failed");
        return found;
      }, PATIENCE);
      // The wait took several steps (each a look at CML), so only a bound kept across them could end it.
      const wait = (finished?.data as Record<string, unknown> | undefined)?.[STEP_WAIT_KEY];
      expect(wait).toMatchObject({ phase: "cml", polls: expect.any(Number) });
      expect((wait as { polls: number }).polls).toBeGreaterThanOrEqual(2);
      // The instance it launched was given back.
      expect((await instancesOf(fleet, worker.id)).map((instance) => instance.state)).not.toContain(
        "running",
      );
    } finally {
      await queue.close();
    }
  });
});

describe("RunInstances paced by a tiny token bucket", () => {
  const fleet = useHarness("provision-steps-pacing", {
    env: {
      CML_LICENSE_TOKEN: "",
      AWS_EC2_RUN_INSTANCES_BUCKET: "2",
      AWS_EC2_RUN_INSTANCES_REFILL: "1",
    },
  });

  it("spreads six launches at the bucket's rate, and every one of them succeeds", {
    timeout: 120_000,
  }, async () => {
    const workers = await Promise.all(Array.from({ length: 6 }, (_, i) => fleet.createWorker(`paced-${i}`)));
    for (const worker of workers) {
      await fleet.queue.enqueue("provision", { workerId: worker.id, actor: alice });
    }
    for (const worker of workers) {
      await waitForWorker(fleet, worker.id, { serviceStatus: "AVAILABLE" });
    }
    const launches = (await Promise.all(workers.map((worker) => eventsOf(fleet, worker.id))))
      .map(launchedAt)
      .sort((a, b) => a - b);
    // Two tokens at once, then one a second: the sixth launch cannot come before four more seconds
    // have passed (less the first launch's own latency, at most the slack allowed here).
    expect(launches.every(Number.isFinite)).toBe(true);
    const spread = (launches.at(-1) ?? 0) - (launches[0] ?? 0);
    expect(spread).toBeGreaterThanOrEqual(3_000);
    // One RunInstances per worker: none was refused and retried.
    const stats = await fleet.simJson<{ ec2: Record<string, number> }>("/_sim/stats");
    expect(stats.ec2.RunInstances).toBe(6);
    for (const worker of workers) {
      expect(await instancesOf(fleet, worker.id)).toHaveLength(1);
    }
  });
});

describe("a job process killed while a provision waits between steps", () => {
  const fleet = useHarness("provision-steps-crash", {
    jobWorkers: false,
    sim: { cmlReadyDelayMs: 4_000 },
  });
  const children: ChildJobProcess[] = [];
  // Before the harness closes (after hooks run last registered first).
  afterAll(async () => {
    await Promise.allSettled(children.map((child) => child.kill()));
  });

  it("is resumed by the next process: the same instance, one instance, the license registered", {
    timeout: 300_000,
  }, async () => {
    const childEnv = {
      ...fleet.env,
      CML_FLEET_TEST_DB_SCHEMA: fleet.testDb.schema,
      CML_FLEET_TEST_LOCK_MS: "2000",
      LOG_LEVEL: "warn",
    };
    const queue = provisionQueue(fleet);
    try {
      const first = spawnJobProcess(childEnv);
      children.push(first);
      const worker = await fleet.createWorker("steps-crash");
      const job = await fleet.queue.enqueue("provision", { workerId: worker.id, actor: alice });
      // The first process launched, saw the instance run and now waits for CML in steps.
      await vi
        .waitFor(
          async () => {
            const found = await queue.getJob(job.id);
            expect((found?.data as Record<string, unknown> | undefined)?.[STEP_WAIT_KEY]).toMatchObject({
              phase: "cml",
            });
          },
          { ...PATIENCE, timeout: 90_000 },
        )
        .catch((error: unknown) => {
          throw new Error(`${String(error)}\n${first.output()}`);
        });
      const launched = await fleet.workers.findById(worker.id);
      await first.kill();

      const second = spawnJobProcess(childEnv);
      children.push(second);
      const done = await waitForWorker(
        fleet,
        worker.id,
        { serviceStatus: "AVAILABLE", license: { status: "REGISTERED" } },
        { ...PATIENCE, timeout: 120_000 },
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${second.output()}`);
      });
      expect(done.instanceId).toBe(launched?.instanceId);
      expect(await instancesOf(fleet, worker.id)).toEqual([
        expect.objectContaining({ instanceId: done.instanceId, state: "running" }),
      ]);
      expect(await second.terminate()).toBe(0);
    } finally {
      await queue.close();
    }
  });
});
