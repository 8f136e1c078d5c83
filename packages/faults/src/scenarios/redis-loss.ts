import type { FaultStack } from "../fault-stack";
import { intentGap } from "../fleet-invariants";
import { jobsCounted } from "../fleet-processes";
import { secondsSince, sleep, waitUntil } from "../wait";
import { provisionedWorkers } from "./provisioned-workers";

export interface RedisLossOptions {
  /** How long the stop may take to land after Redis is back (a bound against a hang). */
  readonly stopTimeoutMs: number;
  /** How long each sweep may take to run again after Redis is back: the two intervals, with slack. */
  readonly sweepTimeoutMs: {
    readonly telemetry: number;
    readonly idleCheck: number;
    readonly reconcile: number;
  };
}

export interface RedisLossResult {
  /** Seconds from Redis back (empty) to the pending stop landed; null when it did not. */
  readonly stopLanded: number | null;
  /** Seconds from Redis back to the first telemetry sample taken after it, of the running worker. */
  readonly telemetry: number | null;
  /** Seconds from Redis back to an idle check and a reconciliation completed after it (the job process's counters). */
  readonly idleCheck: number | null;
  readonly reconcile: number | null;
  /** Whether the API and the job process are the ones started before the loss (none restarted). */
  readonly sameProcesses: boolean;
  readonly problems: readonly string[];
}

/**
 * Redis killed and started again with no data while one worker runs and another has a stop pending (accepted by
 * the API while the job process was held with SIGSTOP, so its job sat in the Redis that is lost). Nothing is
 * restarted: the job process is let go (SIGCONT) and must find its way back by itself.
 */
export async function runRedisLoss(stack: FaultStack, options: RedisLossOptions): Promise<RedisLossResult> {
  const problems: string[] = [];
  const [running, stopping] = await provisionedWorkers(stack, ["redis-running", "redis-stopping"]);
  if (running === undefined || stopping === undefined) {
    throw new Error("the two workers were not provisioned");
  }
  const apiPid = stack.api().child.pid;
  const jobs = stack.jobs();

  // The stop is accepted while no job process can take it: its job waits in Redis.
  jobs.child.signal("SIGSTOP");
  const accepted = await stack.client.stopWorker(stopping.id);
  if (accepted.desiredStatus !== "STOPPED") {
    problems.push(`stopWorker answered desiredStatus ${accepted.desiredStatus}, not STOPPED`);
  }
  await stack.redis.kill();
  await stack.redis.startEmpty();
  const backAt = Date.now();
  jobs.child.signal("SIGCONT");

  // A sweep that was running when the process was held may still finish and count: the counters are read once
  // it had a moment to do so, and a sweep counts as resumed when one completes after that.
  await sleep(1_000);
  const [idleBefore, reconcileBefore] = await Promise.all([
    jobsCounted(jobs, "idle-check"),
    jobsCounted(jobs, "reconcile"),
  ]);

  const measure = async (what: string, timeoutMs: number, look: () => Promise<boolean>) => {
    try {
      await waitUntil(
        what,
        async () => {
          const done = await look();
          return { done, seen: done ? "yes" : "not yet" };
        },
        { timeoutMs, intervalMs: 250, context: stack.context },
      );
      return secondsSince(backAt);
    } catch (error) {
      problems.push(error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error));
      return null;
    }
  };
  const [stopLanded, telemetry, idleCheck, reconcile] = await Promise.all([
    measure(
      `the pending stop of ${stopping.name} to land after Redis came back empty`,
      options.stopTimeoutMs,
      async () => intentGap(await stack.client.worker(stopping.id), { status: "STOPPED" }) === null,
    ),
    measure(
      `a telemetry sample of ${running.name} taken after Redis came back empty`,
      options.sweepTimeoutMs.telemetry,
      async () => {
        const sampledAt = (await stack.client.worker(running.id))?.telemetry?.sampledAt;
        return sampledAt !== undefined && Date.parse(sampledAt) > backAt;
      },
    ),
    measure(
      "an idle check completed after Redis came back empty",
      options.sweepTimeoutMs.idleCheck,
      async () => jobsCounted(jobs, "idle-check").then((count) => count > idleBefore),
    ),
    measure(
      "a reconciliation completed after Redis came back empty",
      options.sweepTimeoutMs.reconcile,
      async () => jobsCounted(jobs, "reconcile").then((count) => count > reconcileBefore),
    ),
  ]);

  const sameProcesses =
    stack.api().child.pid === apiPid &&
    stack.api().child.running() &&
    stack.jobs().child.pid === jobs.child.pid &&
    jobs.child.running();
  if (!sameProcesses) {
    problems.push("a fleet process was restarted or died");
  }
  return { stopLanded, telemetry, idleCheck, reconcile, sameProcesses, problems };
}
