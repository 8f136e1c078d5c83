import { userActor } from "@cml-fleet/core/domain/actor";
import type { CloudCallBucket, CloudCallPacer } from "@cml-fleet/core/ports/cloud-call-pacer.port";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningJobProcess, startJobProcess } from "../src/job-process";
import { provisionWorkers, waitForWorker } from "./support/fleet-driver";
import { FAST_RUNTIME, useHarness } from "./support/fleet-harness";

const alice = userActor("u-alice", "alice");

interface Grants {
  readonly given: Record<CloudCallBucket, number>;
  /** Tokens that were not due yet: their call waited for them. */
  readonly waited: Record<CloudCallBucket, number>;
}

/** The process's real Redis pacer, with each token it grants counted by bucket. */
function counting(pacer: CloudCallPacer | undefined, grants: Grants): CloudCallPacer {
  if (pacer === undefined) {
    throw new Error("the job process composed no pacer");
  }
  return {
    async reserve(bucket, target) {
      const waitMs = await pacer.reserve(bucket, target);
      grants.given[bucket] += 1;
      if (waitMs > 0) {
        grants.waited[bucket] += 1;
      }
      return waitMs;
    },
  };
}

const zero = (): Record<CloudCallBucket, number> => ({ "run-instances": 0, mutating: 0, "non-mutating": 0 });

/** EC2 calls of a job process and the fleet's token buckets in Redis (real Postgres, Redis, simulator, SDK). */
describe("the job process's EC2 calls are paced by the fleet's buckets", () => {
  // A mutating bucket of one token a second: the stops, start and terminates after the first wait their turn.
  const fleet = useHarness("ec2-pacing", {
    jobWorkers: false,
    env: { AWS_EC2_MUTATING_BUCKET: "1", AWS_EC2_MUTATING_REFILL: "1" },
  });
  const grants: Grants = { given: zero(), waited: zero() };
  let jobs: RunningJobProcess | null = null;

  afterAll(async () => {
    await jobs?.close();
  });

  it("every RunInstances, Start/Stop/TerminateInstances and describe draws a token of its bucket, and the stops wait for theirs", {
    timeout: 120_000,
  }, async () => {
    jobs = await startJobProcess({
      settings: loadSettings(fleet.env),
      logger: silentLogger,
      databaseSchema: fleet.testDb.schema,
      runtime: FAST_RUNTIME,
      tune: (deps) => ({
        ...deps,
        readiness: { ...deps.readiness, pollInitialMs: 100, pollMaxMs: 300 },
        cloudPacer: counting(deps.cloudPacer, grants),
      }),
    });
    await fleet.simJson("/_sim/stats", { method: "DELETE" });

    const [first, second, third, fourth] = await provisionWorkers(fleet, ["p-1", "p-2", "p-3", "p-4"]);
    if (first === undefined || second === undefined || third === undefined || fourth === undefined) {
      throw new Error("four workers were provisioned");
    }
    for (const worker of [first, second, third]) {
      await fleet.queue.enqueue("stop", { workerId: worker.id, actor: alice, reason: "night" });
    }
    await Promise.all(
      [first, second, third].map((worker) => waitForWorker(fleet, worker.id, { status: "STOPPED" })),
    );
    await fleet.queue.enqueue("start", { workerId: first.id, actor: alice });
    // A stopped worker's CML cannot release its license: force says to terminate anyway.
    await fleet.queue.enqueue("terminate", { workerId: second.id, actor: alice, force: true });
    await fleet.queue.enqueue("terminate", { workerId: fourth.id, actor: alice, force: false });
    await waitForWorker(fleet, first.id, { status: "RUNNING", serviceStatus: "AVAILABLE" });
    await waitForWorker(fleet, second.id, { status: "TERMINATED" });
    await waitForWorker(fleet, fourth.id, { status: "TERMINATED" });

    const { ec2 } = await fleet.simJson<{ ec2: Record<string, number> }>("/_sim/stats");
    const calls = (action: string) => ec2[action] ?? 0;
    expect(calls("RunInstances")).toBe(4);
    expect(grants.given["run-instances"]).toBe(calls("RunInstances"));
    expect(calls("StopInstances") + calls("StartInstances") + calls("TerminateInstances")).toBe(6);
    expect(grants.given.mutating).toBe(
      calls("StopInstances") +
        calls("StartInstances") +
        calls("TerminateInstances") +
        calls("RebootInstances"),
    );
    expect(calls("DescribeInstances")).toBeGreaterThan(0);
    expect(grants.given["non-mutating"]).toBe(calls("DescribeInstances") + calls("DescribeInstanceStatus"));
    // One token a second for six calls made within a few seconds: some of them found it not yet due.
    expect(grants.waited.mutating).toBeGreaterThan(0);
  });
});
