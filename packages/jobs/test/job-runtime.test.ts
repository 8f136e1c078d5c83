import { userActor } from "@cml-fleet/core/domain/actor";
import { JOB_KINDS } from "@cml-fleet/core/domain/job";
import { queueHealth, readJobProcesses } from "@cml-fleet/platform/queue/job-worker-health";
import { redisPrefixes } from "@cml-fleet/platform/queue/queue-definitions";
import { describe, expect, it, vi } from "vitest";
import { PATIENCE, useHarness } from "./support/fleet-harness";

const alice = userActor("u1", "alice");

describe("job runtime behaviour", () => {
  const fleet = useHarness("runtime", { env: { CML_LICENSE_TOKEN: "" } });

  it("announces which queues it serves through a heartbeat the API can read", async () => {
    const processes = await vi.waitFor(async () => {
      const found = await readJobProcesses(fleet.redis, redisPrefixes(fleet.keyPrefix).keys);
      expect(found).not.toEqual([]);
      return found;
    }, PATIENCE);
    expect(processes).toEqual([
      expect.objectContaining({ processId: fleet.jobs?.workers.processId, pid: process.pid }),
    ]);
    expect(queueHealth(processes, JOB_KINDS).every((queue) => queue.processes === 1)).toBe(true);
  });

  it("fails a provisioning with an AMI EC2 does not know at once, without retries, and marks the worker FAILED", async () => {
    const created = await fleet.createWorker("bad-ami");
    await fleet.workers.save({ ...created, amiId: "ami-0000000000000dead" }, []);
    const job = await fleet.queue.enqueue("provision", { workerId: created.id, actor: alice });

    await expect(fleet.queue.waitForResult(job.id, 60_000)).rejects.toThrow(/InvalidAMIID/);
    expect(await fleet.queue.get(job.id)).toMatchObject({ state: "FAILED", attempts: 1 });
    const failed = await fleet.workers.findById(created.id);
    expect(failed).toMatchObject({ status: "FAILED", statusReason: expect.stringMatching(/InvalidAMIID/) });
    const events = (await fleet.workers.listEvents(created.id, 20)).map((event) => event.type);
    expect(events).toContain("worker.failed");
  });

  it("rides out throttling with retries and still provisions the worker", async () => {
    await fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify({ throttleRate: 0.5 }) });
    try {
      const created = await fleet.createWorker("throttled");
      const job = await fleet.queue.enqueue("provision", { workerId: created.id, actor: alice });
      await fleet.queue.waitForResult(job.id, 120_000);
      expect((await fleet.workers.findById(created.id))?.serviceStatus).toBe("AVAILABLE");
    } finally {
      await fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify({ throttleRate: 0 }) });
    }
  }, 150_000);

  it("runs one operation per worker at a time: a start requested during a stop waits for it", async () => {
    const created = await fleet.createWorker("serial");
    await fleet.queue.waitForResult(
      (await fleet.queue.enqueue("provision", { workerId: created.id, actor: alice })).id,
      60_000,
    );

    const stop = await fleet.queue.enqueue("stop", { workerId: created.id, actor: alice, reason: null });
    const start = await fleet.queue.enqueue("start", { workerId: created.id, actor: alice });
    await fleet.queue.waitForResult(stop.id, 60_000);
    await fleet.queue.waitForResult(start.id, 60_000);

    const statuses = (await fleet.workers.listEvents(created.id, 100))
      .filter((event) => event.type === "worker.status_changed")
      .map((event) => event.data.to)
      .reverse();
    expect(statuses.slice(-4)).toEqual(["STOPPING", "STOPPED", "PENDING", "RUNNING"]);
  }, 150_000);
});
