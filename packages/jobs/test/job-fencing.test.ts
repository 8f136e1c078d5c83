import { randomBytes } from "node:crypto";
import { userActor } from "@cml-fleet/core/domain/actor";
import { JobLockLostError } from "@cml-fleet/core/errors";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { deleteKeys, TEST_REDIS_URL } from "../../platform/test/support/test-redis";
import { createWorkerLocks } from "../src/runtime/worker-lock";
import { provisionWorkers, waitForWorker } from "./support/fleet-driver";
import { type FleetHarness, PATIENCE, useHarness } from "./support/fleet-harness";
import { startPrivateRedis } from "./support/private-redis";

/**
 * The per-worker lock fences: its owner is the job attempt (BullMQ's token),
 * an attempt that loses it is told and stops acting, and the error says so.
 * Real Redis (the shared one under a prefix of this file's own, and a private
 * redis-server for an outage), real BullMQ and the simulator.
 */
const operator = userActor("u-ops", "ops");
const waitForAbort = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => {
    if (signal.aborted) {
      resolve(signal.reason);
    }
    signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });

describe("the worker lock's owner is the attempt, and a lost lock is told", () => {
  const prefix = `t-jobs-fencing-${randomBytes(4).toString("hex")}`;
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const locks = createWorkerLocks(redis, prefix, 900);
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it("a second attempt of the same job (another BullMQ token) does not get the lock its first attempt holds", async () => {
    const first = await locks.acquire("w-1", { jobId: "stop.w-1", token: "worker-a:1", what: "stop" });
    expect(first).not.toBeNull();
    const takeover = await locks.acquire("w-1", { jobId: "stop.w-1", token: "worker-b:7", what: "stop" });
    expect(takeover).toBeNull();
    await first?.release();
    const after = await locks.acquire("w-1", { jobId: "stop.w-1", token: "worker-b:7", what: "stop" });
    expect(after).not.toBeNull();
    await after?.release();
  });

  it("a renewal that finds the lock held by another owner fires `lost` with a JobLockLostError", async () => {
    const held = await locks.acquire("w-2", { jobId: "stop.w-2", token: "t1", what: "stop job stop.w-2" });
    if (held === null) {
      throw new Error("the lock was free");
    }
    await redis.set(`${prefix}:worker-lock:w-2`, "stop.w-2#someone-else", "PX", 10_000);
    const reason = await waitForAbort(held.lost);
    expect(reason).toBeInstanceOf(JobLockLostError);
    expect(String((reason as Error).message)).toMatch(/^lock lost: stop job stop\.w-2 stopped acting/);
    await held.release();
    // Releasing a lost lock leaves the other owner's alone.
    expect(await redis.get(`${prefix}:worker-lock:w-2`)).toBe("stop.w-2#someone-else");
  });

  it("a Redis out of reach for longer than the TTL fires `lost` (another process may hold the lock by now)", {
    timeout: 60_000,
  }, async () => {
    const privateRedis = await startPrivateRedis();
    const client = new Redis(privateRedis.url, { maxRetriesPerRequest: null });
    client.on("error", () => {});
    try {
      const privateLocks = createWorkerLocks(client, prefix, 900);
      const held = await privateLocks.acquire("w-3", { jobId: "j", token: "t", what: "stop job j" });
      if (held === null) {
        throw new Error("the lock was free");
      }
      await privateRedis.kill();
      const reason = await waitForAbort(held.lost);
      expect(String((reason as Error).message)).toMatch(/could not be renewed .*Redis out of reach/);
    } finally {
      client.disconnect();
      await privateRedis.close();
    }
  });
});

type SimStats = Record<"ec2" | "cloudwatch" | "cml", Record<string, number>>;

describe("an attempt whose worker lock is taken from it", () => {
  const fleet: FleetHarness = useHarness("fencing", {
    // The instance never finishes stopping: the stop polls EC2 until stopped, holding the lock
    // (a provision no longer does: it hands its slot and lock back between looks).
    sim: { stopDelayMs: 3_600_000 },
    env: { CML_LICENSE_TOKEN: "" },
  });

  it("stops acting at its next guarded call, fails with 'lock lost', and is not the job's final failure", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["fenced"]);
    if (worker === undefined) {
      throw new Error("no worker provisioned");
    }
    const job = await fleet.queue.enqueue("stop", { workerId: worker.id, actor: operator, reason: null });
    await waitForWorker(fleet, worker.id, { status: "STOPPING" });
    const lockKey = `${fleet.keyPrefix}:worker-lock:${worker.id}`;
    // The attempt polls EC2 for the stop, holding the lock.
    const polling = (await fleet.simJson<SimStats>("/_sim/stats")).ec2.DescribeInstances ?? 0;
    await vi.waitFor(async () => {
      expect((await fleet.simJson<SimStats>("/_sim/stats")).ec2.DescribeInstances ?? 0).toBeGreaterThan(
        polling,
      );
      expect(await fleet.redis.get(lockKey)).toMatch(new RegExp(`^${job.id}#`));
    }, PATIENCE);

    // Another attempt took the lock (as after a stall): this one must stop.
    await fleet.redis.set(lockKey, `${job.id}#another-attempt`, "PX", 60_000);
    await vi.waitFor(async () => {
      expect((await fleet.queue.get(job.id))?.failedReason).toMatch(/^lock lost: stop job/);
    }, PATIENCE);
    const before = await fleet.simJson<SimStats>("/_sim/stats");
    const stored = await fleet.workers.findById(worker.id);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // No EC2 call and no write after the loss (the retries wait for the lock).
    expect(await fleet.simJson<SimStats>("/_sim/stats")).toEqual(before);
    const after = await fleet.workers.findById(worker.id);
    expect(after?.updatedAt).toEqual(stored?.updatedAt);
    // Not the job's final failure: no failure recorded on the worker, the stop is not over.
    expect(after?.status).toBe("STOPPING");
    const events = await fleet.workers.listEvents(worker.id, 50);
    expect(events.map((event) => event.type)).not.toContain("worker.operation_failed");
    expect((await fleet.queue.get(job.id))?.state).not.toBe("FAILED");
    // The other owner's lock is still there: the loser did not release it.
    expect(await fleet.redis.get(lockKey)).toBe(`${job.id}#another-attempt`);
    await fleet.redis.del(lockKey);
  });
});

describe("an attempt whose BullMQ job lock is lost (its job taken over as stalled)", () => {
  const fleet: FleetHarness = useHarness("fencing-bullmq", {
    // The instance never finishes stopping: the stop's attempt waits in place, holding the worker's lock.
    sim: { stopDelayMs: 3_600_000 },
    env: { CML_LICENSE_TOKEN: "" },
  });

  it("stops and lets go of the worker's lock, so the attempt that took the job over runs", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["taken-over"]);
    if (worker === undefined) {
      throw new Error("no worker provisioned");
    }
    const job = await fleet.queue.enqueue("stop", { workerId: worker.id, actor: operator, reason: null });
    await waitForWorker(fleet, worker.id, { status: "STOPPING" });
    const workerLock = `${fleet.keyPrefix}:worker-lock:${worker.id}`;
    const first = await vi.waitFor(async () => {
      const holder = await fleet.redis.get(workerLock);
      expect(holder).toMatch(new RegExp(`^${job.id}#`));
      return holder;
    }, PATIENCE);

    // BullMQ's lock on the job goes (as when this process could not renew it in time): the stalled
    // check hands the job to a new attempt, under a new token, while the first one still waits for EC2.
    await fleet.redis.del(`${fleet.keyPrefix}:cml-fleet.stop:${job.id}:lock`);

    // The first attempt stopped and released the worker's lock; the new attempt holds it now.
    await vi.waitFor(async () => {
      const holder = await fleet.redis.get(workerLock);
      expect(holder).toMatch(new RegExp(`^${job.id}#`));
      expect(holder).not.toBe(first);
    }, PATIENCE);
  });
});
