import { userActor } from "@cml-fleet/core/domain/actor";
import { describe, expect, it, vi } from "vitest";
import { waitForWorker } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";

const operator = userActor("u-ops", "ops");

type SimStats = Record<"ec2" | "cloudwatch" | "cml", Record<string, number>> & { cmlInFlightPeak: number };

describe("a job process that shuts down while an attempt is still active", () => {
  const fleet = useHarness("shutdown", {
    // CML never answers (each request hangs within a long CML_REQUEST_TIMEOUT), so the provision's step
    // stays active asking it: between two steps a provision holds nothing a shutdown would wait for.
    sim: { cmlReadyDelayMs: 3_600_000 },
    env: { CML_LICENSE_TOKEN: "", CML_REQUEST_TIMEOUT: "10m" },
    runtime: { shutdownGraceMs: 1_000 },
  });

  it("hands the job back after the grace (no attempt spent, the worker's lock let go), and another process runs it", {
    timeout: 120_000,
  }, async () => {
    await fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify({ cmlLatencyMs: 3_600_000 }) });
    const worker = await fleet.createWorker();
    const job = await fleet.queue.enqueue("provision", { workerId: worker.id, actor: operator });
    await waitForWorker(fleet, worker.id, { status: "RUNNING", endpoint: expect.any(String) });
    const lockKey = `${fleet.keyPrefix}:worker-lock:${worker.id}`;
    const first = await vi.waitFor(async () => {
      expect((await fleet.simJson<SimStats>("/_sim/stats")).cmlInFlightPeak).toBeGreaterThan(0);
      expect((await fleet.queue.get(job.id))?.state).toBe("ACTIVE");
      const holder = await fleet.redis.get(lockKey);
      expect(holder).toMatch(new RegExp(`^${job.id}#`));
      return holder;
    }, PATIENCE);

    // Without the hand-back, close waits for a provision that polls CML for CML_STARTUP_TIMEOUT.
    await fleet.jobs?.close();

    const handedBack = await fleet.queue.get(job.id);
    expect(handedBack?.state).not.toBe("ACTIVE");
    expect(handedBack?.state).not.toBe("FAILED");
    expect(handedBack?.attempts).toBe(0);
    expect(handedBack?.failedReason ?? "").not.toMatch(/lock lost|timeout/);
    expect(await fleet.redis.get(lockKey)).toBeNull();
    expect((await fleet.workers.findById(worker.id))?.status).toBe("RUNNING");

    // The next process takes the job up where it was: a new attempt holds the lock and asks CML again.
    await fleet.startJobs();
    await vi.waitFor(async () => {
      expect((await fleet.queue.get(job.id))?.state).toBe("ACTIVE");
      const holder = await fleet.redis.get(lockKey);
      expect(holder).toMatch(new RegExp(`^${job.id}#`));
      expect(holder).not.toBe(first);
    }, PATIENCE);
  });
});
