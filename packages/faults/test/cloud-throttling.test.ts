import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultStack, startFaultStack } from "../src/fault-stack";
import { recordFigures } from "../src/faults-report";
import { runCloudThrottling } from "../src/scenarios/cloud-throttling";

const WORKERS = 3;

describe("the simulator throttling 30 % and failing 10 % of EC2 and CloudWatch calls", () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("creates, stops, starts and terminates still converge, with no duplicate instance", {
    timeout: 300_000,
  }, async () => {
    const result = await runCloudThrottling(stack, {
      throttleRate: 0.3,
      failRate: 0.1,
      workers: WORKERS,
      stepTimeoutMs: 90_000,
    });
    recordFigures({
      order: 4,
      scenario: "EC2/CloudWatch 30 % throttled, 10 % failed (create, stop, start, terminate)",
      faultsTried: result.ec2Calls + result.cloudwatchCalls,
      workers: WORKERS,
      converged: result.problems.length === 0 ? WORKERS : WORKERS - result.audit.notOneInstance.length,
      duplicateInstances: result.audit.duplicates.length,
      orphans: result.audit.orphans.length,
      secondsToConverge: result.steps.map((step) => step.seconds),
      seed: null,
      passed: result.problems.length === 0,
      notes: `faults tried = EC2 ${result.ec2Calls} + CloudWatch ${result.cloudwatchCalls} calls under the fault rates; steps: ${result.steps.map((step) => `${step.step} ${step.seconds} s`).join(", ")}${result.problems.length === 0 ? "" : `; first problem: ${result.problems[0]}`}`,
    });
    expect(result.problems).toEqual([]);
    expect(result.steps).toHaveLength(3);
    expect(result.audit.duplicates).toEqual([]);
    expect(result.audit.orphans).toEqual([]);
  });
});
