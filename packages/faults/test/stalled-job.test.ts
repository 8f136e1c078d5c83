import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultStack, LOCK_MS, startFaultStack } from "../src/fault-stack";
import { recordFigures } from "../src/faults-report";
import { runStalledJob } from "../src/scenarios/stalled-job";

describe("a provision job stalled past its lock (SIGSTOP) while another job process runs", () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ jobProcesses: 2 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("runs once to completion; the stalled attempt does not act afterwards", {
    timeout: 300_000,
  }, async () => {
    const result = await runStalledJob(stack, { lockMs: LOCK_MS, convergeTimeoutMs: 90_000 });
    recordFigures({
      order: 5,
      scenario: "provision job stalled past its lock (SIGSTOP), another job process takes over, then SIGCONT",
      faultsTried: 1,
      workers: 1,
      converged: result.converged === null ? 0 : 1,
      duplicateInstances: result.duplicates,
      orphans: result.orphans,
      secondsToConverge: result.converged === null ? [] : [result.converged],
      seed: null,
      passed: result.problems.length === 0,
      notes: `lock ${LOCK_MS / 1000} s; RunInstances ${result.launches.done} when done, ${result.launches.after} after SIGCONT; license registrations ${result.registrations.done} -> ${result.registrations.after}; worker then ${result.statusAfter}${result.problems.length === 0 ? "" : `; first problem: ${result.problems[0]}`}`,
    });
    expect(result.problems).toEqual([]);
    // When the stall falls between RunInstances and the save of its answer, the takeover repeats the launch
    // step: with the worker's client token, so EC2 answers the same instance (no duplicate below). The stalled
    // attempt itself launches nothing once it runs on.
    expect(result.launches.done).toBeGreaterThanOrEqual(1);
    expect(result.launches.done).toBeLessThanOrEqual(2);
    expect(result.launches.after).toBe(result.launches.done);
    expect(result.duplicates).toBe(0);
  });
});
