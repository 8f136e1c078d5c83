import { workerJobId } from "@cml-fleet/core/domain/job";
import { describe, expect, it, vi } from "vitest";
import { provisionWorkers, runOnce, SECOND_LONG_IDLE } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";

/**
 * The idle check decides a stop and queues it; the stop job may then wait
 * behind the worker's lock (another operation). When it finally runs, it
 * decides again, under the lock, with the same policy and a fresh look: a
 * keep-alive set meanwhile calls the stop off. Real Postgres, Redis, BullMQ
 * and the simulator; the other operation is a lock held by the test.
 */
describe("an idle stop queued behind another operation", () => {
  const fleet = useHarness("idle-redecide", { env: SECOND_LONG_IDLE });

  it("is called off when a keep-alive is set before it runs: the worker stays RUNNING, an event says why", {
    timeout: 240_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["redecide"]);
    if (worker === undefined) {
      throw new Error("no worker provisioned");
    }
    // Another operation holds the worker: the stop job, once queued, waits.
    const lockKey = `${fleet.keyPrefix}:worker-lock:${worker.id}`;
    await fleet.redis.set(lockKey, "refresh.other#attempt", "PX", 600_000);

    // Sweeps and idle checks until the idle policy has decided the stop and queued it.
    await vi.waitFor(
      async () => {
        await runOnce(fleet, "telemetry-sweep");
        await runOnce(fleet, "idle-check");
        const events = await fleet.workers.listEvents(worker.id, 100);
        expect(events.map((event) => event.type)).toContain("worker.auto_stopped");
      },
      { ...PATIENCE, timeout: 180_000 },
    );
    const stopJobId = workerJobId("stop", worker.id);
    expect((await fleet.queue.get(stopJobId))?.state).not.toBe("COMPLETED");

    // Someone keeps the worker while the stop waits.
    const current = await fleet.workers.findById(worker.id);
    if (current === null) {
      throw new Error("the worker vanished");
    }
    await fleet.workers.save(
      { ...current, idle: { ...current.idle, keepAliveUntil: new Date(Date.now() + 3_600_000) } },
      [],
    );
    await fleet.redis.del(lockKey);

    await vi.waitFor(async () => {
      expect((await fleet.queue.get(stopJobId))?.state).toBe("COMPLETED");
    }, PATIENCE);
    const after = await fleet.workers.findById(worker.id);
    expect(after).toMatchObject({ status: "RUNNING", desiredStatus: "RUNNING" });
    const events = await fleet.workers.listEvents(worker.id, 100);
    const calledOff = events.find(
      (event) => event.type === "worker.auto_stop_skipped" && event.data.cancelledStop === true,
    );
    expect(calledOff?.reason).toMatch(/^kept alive until/);
    expect(calledOff?.data).toMatchObject({ decidedBy: "idle" });
    const instance = await fleet.simJson<{ state: string }>(`/_sim/instances/${worker.instanceId}`);
    expect(instance.state).toBe("running");
  });
});
