import { afterAll, describe, expect, it } from "vitest";
import type { RunningJobProcess } from "../src/job-process";
import { runOnce } from "./support/fleet-driver";
import { useHarness } from "./support/fleet-harness";
import { completedShards, runningWorkers, secondJobProcess } from "./support/shard-sweep-fixture";

/**
 * The job processes share their CML sign-ins (Redis, redis-cml-session-store.ts):
 * a sweep's shards go to whichever process is free, so a worker is often
 * asked by another process than last time, and without sharing each such
 * look began with a login of that process's own. Counted by the simulator's
 * request counters, through two job processes and HTTPS.
 */
const LOGIN = "POST /api/v0/auth_extended";

interface SimStats {
  readonly cml: Record<string, number>;
}

describe("CML sign-ins shared by two job processes", () => {
  const N = 40;
  const fleet = useHarness("cml-sign-in-sharing", {
    env: { CML_SWEEP_SHARD_SIZE: "5", CML_LICENSE_CHECK_ON_STARTUP: "false" },
  });
  let second: RunningJobProcess | null = null;
  afterAll(async () => {
    await second?.close();
  }, 60_000);

  it("three sweeps whose shards go to either process sign in to each worker once", {
    timeout: 180_000,
  }, async () => {
    second = await secondJobProcess(fleet);
    await runningWorkers(fleet, N);
    await fleet.simJson("/_sim/stats", { method: "DELETE" });

    for (let sweep = 0; sweep < 3; sweep++) {
      await runOnce(fleet, "telemetry-sweep");
    }

    const stats = await fleet.simJson<SimStats>("/_sim/stats");
    expect(stats.cml[LOGIN]).toBe(N);
    // Both processes took shards (8 a sweep): shards moved between them, yet no worker was signed in to twice.
    const processes = new Set((await completedShards(fleet)).map((shard) => shard.processedBy));
    expect(processes.size).toBe(2);
  });
});
