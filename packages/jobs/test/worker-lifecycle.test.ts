import { userActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { describe, expect, it, vi } from "vitest";
import { WHOLE_LIFE, waitForWorker, withoutRepeats } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";

const alice = userActor("u-alice", "alice");

describe("a worker's life through the job queues (real Postgres, Redis, simulator)", () => {
  const fleet = useHarness("lifecycle");

  it("provisions, stops, starts and terminates, and subscribers see every step in order", {
    timeout: 120_000,
  }, async () => {
    const seen: Worker[] = [];
    const subscription = fleet.pubsub.subscribe(TOPICS.workerChanged);
    const collecting = (async () => {
      for await (const worker of subscription) {
        seen.push(worker);
      }
    })();
    const worker = await fleet.createWorker("ccna-lab");

    const provision = await fleet.queue.enqueue("provision", { workerId: worker.id, actor: alice });
    const joined = await fleet.queue.enqueue("provision", { workerId: worker.id, actor: alice });
    expect(joined.id).toBe(provision.id);
    const available = await waitForWorker(fleet, worker.id, {
      serviceStatus: "AVAILABLE",
      license: { status: "REGISTERED" },
    });
    expect(available).toMatchObject({ status: "RUNNING", cmlVersion: expect.any(String) });
    expect(available.endpoint).toMatch(/^https:\/\/127\./);
    const finished = await vi.waitFor(async () => {
      const job = await fleet.queue.get(provision.id);
      expect(job?.state).toBe("COMPLETED");
      return job;
    }, PATIENCE);
    expect(finished).toMatchObject({ progress: 1, step: "available" });

    await fleet.queue.enqueue("stop", { workerId: worker.id, actor: alice, reason: "lunch" });
    await waitForWorker(fleet, worker.id, { status: "STOPPED" });

    await fleet.queue.enqueue("start", { workerId: worker.id, actor: alice });
    await waitForWorker(fleet, worker.id, { status: "RUNNING", serviceStatus: "AVAILABLE" });

    await fleet.queue.enqueue("terminate", { workerId: worker.id, actor: alice, force: false });
    const terminated = await waitForWorker(fleet, worker.id, { status: "TERMINATED" });
    expect(terminated.license.status).toBe("UNREGISTERED");
    const cml = await fleet.simJson<{ deregisterCalls: number; registerCalls: number }>(
      `/_sim/instances/${terminated.instanceId}/cml`,
    );
    expect(cml).toMatchObject({ registerCalls: 1, deregisterCalls: 1 });
    const instances = await fleet.simJson<{ instanceId: string; state: string }[]>("/_sim/instances");
    expect(instances.filter((instance) => instance.instanceId === terminated.instanceId)).toEqual([
      expect.objectContaining({ state: "terminated" }),
    ]);

    // The last change reaches the subscriber too.
    await expect
      .poll(() => seen.some((w) => w.id === worker.id && w.status === "TERMINATED"), PATIENCE)
      .toBe(true);
    await subscription.return?.();
    await collecting;
    const mine = seen.filter((w) => w.id === worker.id);
    expect(withoutRepeats(mine.map((w) => w.status))).toEqual(WHOLE_LIFE);
    const stamps = mine.map((w) => w.updatedAt.getTime());
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    const events = (await fleet.workers.listEvents(worker.id, 100)).map((event) => event.type);
    expect(events).toEqual(expect.arrayContaining(["worker.license_changed", "worker.terminated"]));
  });
});
