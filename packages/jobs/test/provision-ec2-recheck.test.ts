import { userActor } from "@cml-fleet/core/domain/actor";
import { describe, expect, it, vi } from "vitest";
import { waitForWorker } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";

type SimStats = Record<"ec2" | "cloudwatch" | "cml", Record<string, number>>;

/**
 * A provision waiting for CML also looks at EC2 every few polls: an instance
 * terminated behind the fleet's back (the console, a spot reclaim) ends the
 * wait at once, the worker FAILED naming it, instead of polling a CML that
 * will never answer until CML_STARTUP_TIMEOUT (30 minutes by default).
 * Through the simulator's control API and the real AWS SDK.
 */
describe("an instance terminated while its provision waits for CML", () => {
  const fleet = useHarness("provision-ec2-recheck", {
    // CML never gets ready: only the EC2 look can end the wait.
    sim: { cmlReadyDelayMs: 3_600_000 },
    env: { CML_LICENSE_TOKEN: "", CML_STARTUP_TIMEOUT: "30m" },
  });

  it("ends the provision with the worker FAILED and the reason naming the termination", {
    timeout: 120_000,
  }, async () => {
    const worker = await fleet.createWorker();
    const job = await fleet.queue.enqueue("provision", { workerId: worker.id, actor: userActor("u1", "al") });
    const waiting = await waitForWorker(fleet, worker.id, {
      status: "RUNNING",
      endpoint: expect.any(String),
    });
    // The provision polls CML.
    await vi.waitFor(async () => {
      expect((await fleet.simJson<SimStats>("/_sim/stats")).cml).not.toEqual({});
    }, PATIENCE);

    await fleet.simJson(`/_sim/instances/${waiting.instanceId}/terminate`, { method: "POST" });

    const failed = await waitForWorker(fleet, worker.id, { status: "FAILED" });
    expect(failed.statusReason).toMatch(
      new RegExp(`^instance ${waiting.instanceId} is (shutting-down|terminated).* while waiting for CML`),
    );
    const finished = await vi.waitFor(async () => {
      const found = await fleet.queue.get(job.id);
      expect(found?.state).toBe("FAILED");
      return found;
    }, PATIENCE);
    expect(finished?.failedReason).toMatch(/outside the fleet/);
  });
});
