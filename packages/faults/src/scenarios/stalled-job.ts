import type { FaultStack } from "../fault-stack";
import { auditInstances, auditProblems, WORKER_ID_TAG } from "../fleet-invariants";
import type { SimCml } from "../simulator-process";
import { secondsSince, sleep, waitUntil } from "../wait";
import { reached } from "./provisioned-workers";

export interface StalledJobOptions {
  /** The job lock's duration: the stalled process is held well past it. */
  readonly lockMs: number;
  readonly convergeTimeoutMs: number;
}

export interface StalledJobResult {
  /** Seconds from the stall to the worker provisioned by the other process. */
  readonly converged: number | null;
  /** RunInstances calls the simulator answered, once the other process finished and again after the stalled one ran on. */
  readonly launches: { readonly done: number; readonly after: number };
  /** License registrations of the worker's CML, the same two moments. */
  readonly registrations: { readonly done: number; readonly after: number };
  /** The worker's status and service after the stalled process ran on. */
  readonly statusAfter: string;
  readonly duplicates: number;
  readonly orphans: number;
  readonly problems: readonly string[];
}

/**
 * Two job processes; the second is held (SIGSTOP) so the first takes the provision job. Once its instance is
 * launched the first is held too, past its lock, and the second let go: it must take the job over and finish it.
 * Then the first runs on (SIGCONT): its stale attempt must not act (no second launch, no second registration, no
 * status moved back), or end in a visible failure.
 */
export async function runStalledJob(
  stack: FaultStack,
  options: StalledJobOptions,
): Promise<StalledJobResult> {
  const problems: string[] = [];
  const [first, second] = [stack.jobs(0), stack.jobs(1)];
  second.child.signal("SIGSTOP");
  const launchesBefore = (await stack.sim.stats()).ec2.RunInstances ?? 0;
  const worker = await stack.client.createWorker("stalled");
  const instanceId = await waitUntil<string>(
    "the first job process to launch the worker's instance",
    async () => {
      const instance = (await stack.sim.instances()).find((entry) => entry.tags[WORKER_ID_TAG] === worker.id);
      return { done: instance !== undefined, seen: "no instance yet", value: instance?.instanceId };
    },
    { timeoutMs: options.convergeTimeoutMs, intervalMs: 50, context: stack.context },
  );
  first.child.signal("SIGSTOP");
  const stalledAt = Date.now();
  second.child.signal("SIGCONT");
  if (instanceId === undefined) {
    throw new Error("no instance id");
  }

  let converged: number | null = null;
  try {
    await reached(stack, worker.id, { status: "RUNNING", licensed: true }, options.convergeTimeoutMs);
    converged = secondsSince(stalledAt);
  } catch (error) {
    problems.push(error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error));
  }
  // Held past its lock, however long the takeover took.
  await sleep(Math.max(0, 2 * options.lockMs - (Date.now() - stalledAt)));
  const registrationsOf = async () =>
    (await stack.sim.json<SimCml>(`/_sim/instances/${instanceId}/cml`)).registerCalls;
  const launchesDone = ((await stack.sim.stats()).ec2.RunInstances ?? 0) - launchesBefore;
  const registrationsDone = await registrationsOf();

  first.child.signal("SIGCONT");
  // Time for the stale attempt to do whatever it would still do: several lock periods.
  await sleep(3 * options.lockMs);
  const launchesAfter = ((await stack.sim.stats()).ec2.RunInstances ?? 0) - launchesBefore;
  const registrationsAfter = await registrationsOf();
  const now = await stack.client.worker(worker.id);
  const statusAfter = `${now?.status ?? "gone"}/${now?.serviceStatus ?? "-"}/${now?.license.status ?? "-"}`;
  if (launchesAfter !== launchesDone) {
    problems.push(`the stalled attempt launched again: RunInstances ${launchesDone} -> ${launchesAfter}`);
  }
  if (registrationsAfter !== registrationsDone) {
    problems.push(
      `the stalled attempt registered the license again: ${registrationsDone} -> ${registrationsAfter} registrations`,
    );
  }
  if (statusAfter !== "RUNNING/AVAILABLE/REGISTERED") {
    problems.push(`after the stalled attempt ran on, the worker is ${statusAfter}`);
  }
  const audit = auditInstances(await stack.client.workers(), await stack.sim.instances());
  problems.push(...auditProblems(audit));
  return {
    converged,
    launches: { done: launchesDone, after: launchesAfter },
    registrations: { done: registrationsDone, after: registrationsAfter },
    statusAfter,
    duplicates: audit.duplicates.length,
    orphans: audit.orphans.length,
    problems,
  };
}
