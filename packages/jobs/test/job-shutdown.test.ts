import { userActor } from "@cml-fleet/core/domain/actor";
import { describe, expect, it, vi } from "vitest";
import { waitForWorker } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";

const operator = userActor("u-ops", "ops");

type SimStats = Record<"ec2" | "cloudwatch" | "cml", Record<string, number>>;

const cmlPolls = (stats: SimStats) => Object.values(stats.cml).reduce((sum, count) => sum + count, 0);

describe("a job process that shuts down while an attempt is still active", () => {
  const fleet = useHarness("shutdown", {
    // CML never gets ready: the provision polls it until its process stops it.
    sim: { cmlReadyDelayMs: 3_600_000 },
    env: { CML_LICENSE_TOKEN: "" },
    runtime: { shutdownGraceMs: 1_000 },
  });

  it("hands the job back after the grace (no attempt spent, the worker's lock let go), and another process runs it", {
    timeout: 120_000,
  }, async () => {
    const worker = await fleet.createWorker();
    const job = await fleet.queue.enqueue("provision", { workerId: worker.id, actor: operator });
    await waitForWorker(fleet, worker.id, { status: "RUNNING", endpoint: expect.any(String) });
    await vi.waitFor(async () => {
      expect(cmlPolls(await fleet.simJson<SimStats>("/_sim/stats"))).toBeGreaterThan(0);
    }, PATIENCE);

    // Without the hand-back, close waits for a provision that polls CML for CML_STARTUP_TIMEOUT.
    await fleet.jobs?.close();

    const handedBack = await fleet.queue.get(job.id);
    expect(handedBack?.state).not.toBe("ACTIVE");
    expect(handedBack?.state).not.toBe("FAILED");
    expect(handedBack?.attempts).toBe(0);
    expect(handedBack?.failedReason ?? "").not.toMatch(/lock lost|timeout/);
    expect(await fleet.redis.get(`${fleet.keyPrefix}:worker-lock:${worker.id}`)).toBeNull();
    expect((await fleet.workers.findById(worker.id))?.status).toBe("RUNNING");

    // The next process takes the job up where it was: CML is polled again, the job is active.
    const pollsBefore = cmlPolls(await fleet.simJson<SimStats>("/_sim/stats"));
    await fleet.startJobs();
    await vi.waitFor(async () => {
      expect(cmlPolls(await fleet.simJson<SimStats>("/_sim/stats"))).toBeGreaterThan(pollsBefore);
      expect((await fleet.queue.get(job.id))?.state).toBe("ACTIVE");
    }, PATIENCE);
  });
});
