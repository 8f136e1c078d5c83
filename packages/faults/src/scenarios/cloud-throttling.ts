import type { FaultStack } from "../fault-stack";
import { auditInstances, auditProblems, type InstanceAudit } from "../fleet-invariants";
import { secondsSince } from "../wait";
import { reached } from "./provisioned-workers";

export interface CloudThrottlingOptions {
  readonly throttleRate: number;
  readonly failRate: number;
  readonly workers: number;
  /** How long each step (create, stop, start, terminate) may take to converge (a bound against a hang). */
  readonly stepTimeoutMs: number;
}

export interface CloudThrottlingResult {
  /** Seconds each step took to converge: all created, one stopped, started again, one terminated. */
  readonly steps: readonly { readonly step: string; readonly seconds: number }[];
  readonly audit: InstanceAudit;
  /** EC2 and CloudWatch calls the simulator answered (its stats), faults included. */
  readonly ec2Calls: number;
  readonly cloudwatchCalls: number;
  readonly problems: readonly string[];
}

const total = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * The simulator throttles and fails a share of every EC2 and CloudWatch call while workers are created, one is
 * stopped and started again and one terminated: each step must converge (retries) and no worker may get a second
 * instance.
 */
export async function runCloudThrottling(
  stack: FaultStack,
  options: CloudThrottlingOptions,
): Promise<CloudThrottlingResult> {
  await stack.sim.json("/_sim/stats", { method: "DELETE" });
  await stack.sim.setFaults({ throttleRate: options.throttleRate, failRate: options.failRate });
  const steps: { step: string; seconds: number }[] = [];
  const problems: string[] = [];
  const step = async (name: string, work: () => Promise<unknown>) => {
    const startedAt = Date.now();
    try {
      await work();
      steps.push({ step: name, seconds: secondsSince(startedAt) });
    } catch (error) {
      problems.push(
        `${name}: ${error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error)}`,
      );
    }
  };

  const ids: string[] = [];
  await step(`create ${options.workers}`, async () => {
    for (let index = 1; index <= options.workers; index++) {
      ids.push((await stack.client.createWorker(`throttled-${index}`)).id);
    }
    await Promise.all(
      ids.map((id) => reached(stack, id, { status: "RUNNING", licensed: true }, options.stepTimeoutMs)),
    );
  });
  const [first, second] = ids;
  if (first !== undefined && second !== undefined && problems.length === 0) {
    await step("stop one, terminate another", async () => {
      await stack.client.stopWorker(first);
      await stack.client.terminateWorker(second);
      await Promise.all([
        reached(stack, first, { status: "STOPPED" }, options.stepTimeoutMs),
        reached(stack, second, { status: "TERMINATED" }, options.stepTimeoutMs),
      ]);
    });
    await step("start the stopped one", async () => {
      await stack.client.startWorker(first);
      await reached(stack, first, { status: "RUNNING" }, options.stepTimeoutMs);
    });
  }

  const stats = await stack.sim.stats();
  await stack.sim.setFaults({ throttleRate: 0, failRate: 0 });
  const audit = auditInstances(await stack.client.workers(), await stack.sim.instances());
  problems.push(...auditProblems(audit));
  return {
    steps,
    audit,
    ec2Calls: total(stats.ec2),
    cloudwatchCalls: total(stats.cloudwatch),
    problems,
  };
}
