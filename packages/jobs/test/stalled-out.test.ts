import { userActor } from "@cml-fleet/core/domain/actor";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { Queue } from "bullmq";
import { afterAll, describe, expect, it, vi } from "vitest";
import { waitForWorker } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";
import { type ChildJobProcess, spawnJobProcess } from "./support/job-process-child";

interface SimInstance {
  readonly instanceId: string;
  readonly state: string;
}

/**
 * A job whose process dies every time it runs it stalls; past maxStalledCount
 * (3) BullMQ fails it without calling the processor. Its final-failure
 * handling must run all the same: a provision ends with the worker FAILED
 * (naming the stalls) and its instance terminated, not PENDING forever with
 * an instance running. Real job processes (the job process's main, SIGKILLed),
 * real Redis and Postgres, the simulator.
 */
describe("a provision whose process is killed each time it runs it", () => {
  // CML never answers (each request hangs within a long CML_REQUEST_TIMEOUT), so every attempt is still
  // in its step asking CML when its process is killed: a provision between two steps holds nothing and
  // would not stall (README, "Provisioning in steps").
  const fleet = useHarness("stalled-out", {
    jobWorkers: false,
    sim: { cmlReadyDelayMs: 3_600_000 },
    // No license check at each start: its refresh would hang on CML too, holding the worker.
    env: { CML_LICENSE_TOKEN: "", CML_REQUEST_TIMEOUT: "10m", CML_LICENSE_CHECK_ON_STARTUP: "false" },
  });
  const children: ChildJobProcess[] = [];
  afterAll(async () => {
    await Promise.allSettled(children.map((child) => child.kill()));
  });

  it("ends FAILED with the stall named and its instance terminated, once BullMQ gives it up", {
    timeout: 480_000,
  }, async () => {
    const childEnv = {
      ...fleet.env,
      CML_FLEET_TEST_DB_SCHEMA: fleet.testDb.schema,
      CML_FLEET_TEST_LOCK_MS: "1000",
      LOG_LEVEL: "warn",
    };
    await fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify({ cmlLatencyMs: 3_600_000 }) });
    const worker = await fleet.createWorker("stalls");
    const enqueued = await fleet.queue.enqueue("provision", {
      workerId: worker.id,
      actor: userActor("u1", "al"),
    });
    const queue = new Queue(queueName("provision"), { connection: fleet.redis, prefix: fleet.keyPrefix });
    try {
      let lastStart = 0;
      let lastHolder: string | null = null;
      const lockKey = `${fleet.keyPrefix}:worker-lock:${worker.id}`;
      // Four attempts killed mid-run: the fourth stall is one more than BullMQ allows.
      for (let kill = 1; kill <= 4; kill += 1) {
        const child = spawnJobProcess(childEnv);
        children.push(child);
        const started = await vi
          .waitFor(
            async () => {
              const job = await queue.getJob(enqueued.id);
              expect(await job?.getState()).toBe("active");
              expect(job?.processedOn ?? 0).toBeGreaterThan(lastStart);
              return job?.processedOn ?? 0;
            },
            { ...PATIENCE, timeout: 90_000 },
          )
          .catch((error: unknown) => {
            throw new Error(`${String(error)}\n${child.output()}`);
          });
        lastStart = started;
        // Well into the attempt (launched, asking CML), then the machine dies. The attempt holds the
        // worker's lock under a token of its own (a job that found the lock still held by the killed
        // attempt only comes back later, and would not stall).
        await waitForWorker(fleet, worker.id, { status: "RUNNING" });
        lastHolder = await vi.waitFor(async () => {
          const holder = await fleet.redis.get(lockKey);
          expect(holder).toMatch(new RegExp(`^${enqueued.id}#`));
          expect(holder).not.toBe(lastHolder);
          expect(await (await queue.getJob(enqueued.id))?.getState()).toBe("active");
          return holder;
        }, PATIENCE);
        await child.kill();
      }

      const last = spawnJobProcess(childEnv);
      children.push(last);
      const failed = await waitForWorker(
        fleet,
        worker.id,
        { status: "FAILED" },
        { ...PATIENCE, timeout: 90_000 },
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${last.output()}`);
      });
      expect(failed.statusReason).toMatch(/^stalled: provision job .* stalled more than its allowed count/);
      expect((await queue.getJob(enqueued.id))?.failedReason).toBe("job stalled more than allowable limit");
      const events = await fleet.workers.listEvents(worker.id, 50);
      expect(events.filter((event) => event.type === "worker.failed")).toHaveLength(1);
      const instance = await fleet.simJson<SimInstance>(`/_sim/instances/${failed.instanceId}`);
      expect(["shutting-down", "terminated"]).toContain(instance.state);
      expect(await last.terminate()).toBe(0);
    } finally {
      await queue.close();
    }
  });
});
