import { userActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FleetHarness, startHarness } from "./support/fleet-harness";

const alice = userActor("u-alice", "alice");

describe("a worker's life through the job queues (real Postgres, Redis, simulator)", () => {
  let fleet: FleetHarness;
  beforeAll(async () => {
    fleet = await startHarness("lifecycle");
  });
  afterAll(() => fleet.close());

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
    const current = () => fleet.workers.findById(worker.id);

    const provision = await fleet.queue.enqueue("provision", { workerId: worker.id, actor: alice });
    const joined = await fleet.queue.enqueue("provision", { workerId: worker.id, actor: alice });
    expect(joined.id).toBe(provision.id);
    const available = await fleet.until("AVAILABLE with a registered license", async () => {
      const w = await current();
      return w?.serviceStatus === "AVAILABLE" && w.license.status === "REGISTERED" ? w : null;
    });
    expect(available).toMatchObject({ status: "RUNNING", cmlVersion: expect.any(String) });
    expect(available.endpoint).toMatch(/^https:\/\/127\./);
    const finished = await fleet.until("the provision job to complete", async () => {
      const job = await fleet.queue.get(provision.id);
      return job?.state === "COMPLETED" ? job : null;
    });
    expect(finished).toMatchObject({ progress: 1, step: "available" });

    await fleet.queue.enqueue("stop", { workerId: worker.id, actor: alice, reason: "lunch" });
    await fleet.until("STOPPED", async () => (await current())?.status === "STOPPED");

    await fleet.queue.enqueue("start", { workerId: worker.id, actor: alice });
    await fleet.until("AVAILABLE again", async () => {
      const w = await current();
      return w?.status === "RUNNING" && w.serviceStatus === "AVAILABLE";
    });

    await fleet.queue.enqueue("terminate", { workerId: worker.id, actor: alice, force: false });
    const terminated = await fleet.until("TERMINATED", async () => {
      const w = await current();
      return w?.status === "TERMINATED" ? w : null;
    });
    expect(terminated.license.status).toBe("UNREGISTERED");
    const cml = await fleet.simJson<{ deregisterCalls: number; registerCalls: number }>(
      `/_sim/instances/${terminated.instanceId}/cml`,
    );
    expect(cml).toMatchObject({ registerCalls: 1, deregisterCalls: 1 });
    const instances = await fleet.simJson<{ instanceId: string; state: string }[]>("/_sim/instances");
    expect(instances.filter((instance) => instance.instanceId === terminated.instanceId)).toEqual([
      expect.objectContaining({ state: "terminated" }),
    ]);

    await fleet.until("the last change to reach the subscriber", async () =>
      seen.some((w) => w.id === worker.id && w.status === "TERMINATED"),
    );
    await subscription.return?.();
    await collecting;
    const mine = seen.filter((w) => w.id === worker.id);
    const statuses = mine.map((w) => w.status).filter((status, index, all) => status !== all[index - 1]);
    expect(statuses).toEqual([
      "PENDING",
      "RUNNING",
      "STOPPING",
      "STOPPED",
      "PENDING",
      "RUNNING",
      "SHUTTING_DOWN",
      "TERMINATED",
    ]);
    const stamps = mine.map((w) => w.updatedAt.getTime());
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    const events = (await fleet.workers.listEvents(worker.id, 100)).map((event) => event.type);
    expect(events).toEqual(expect.arrayContaining(["worker.license_changed", "worker.terminated"]));
  });
});
