import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FaultStack,
  RECONCILE_INTERVAL_MS,
  SWEEP_INTERVAL_MS,
  startFaultStack,
} from "../src/fault-stack";
import { recordFigures } from "../src/faults-report";
import { runRedisLoss } from "../src/scenarios/redis-loss";

/** The issue's bound is two intervals; the slack covers a loaded machine and the job process's reconnect. */
const SLACK_MS = 20_000;

describe("Redis killed and restarted empty while a worker runs and another has a stop pending", () => {
  let stack: FaultStack;

  beforeAll(async () => {
    // The idle policy runs for real (its default 30 min threshold stops nothing here): its check must resume.
    stack = await startFaultStack({ env: { CML_WORKER_AUTO_SHUTDOWN_ENABLED: "true" } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("lands the stop, and the telemetry sweep, idle check and reconciliation resume within two intervals, no process restarted", {
    timeout: 300_000,
  }, async () => {
    const result = await runRedisLoss(stack, {
      stopTimeoutMs: 60_000,
      sweepTimeoutMs: {
        telemetry: 2 * SWEEP_INTERVAL_MS + SLACK_MS,
        idleCheck: 2 * SWEEP_INTERVAL_MS + SLACK_MS,
        reconcile: 2 * RECONCILE_INTERVAL_MS + SLACK_MS,
      },
    });
    const seconds = (value: number | null) => (value === null ? "never" : `${value} s`);
    recordFigures({
      order: 2,
      scenario:
        "Redis killed and restarted empty (stop pending, job process held then let go, nothing restarted)",
      faultsTried: 1,
      workers: 2,
      converged: result.stopLanded === null ? 1 : 2,
      duplicateInstances: 0,
      orphans: 0,
      secondsToConverge: result.stopLanded === null ? [] : [result.stopLanded],
      seed: null,
      passed: result.problems.length === 0,
      notes: `resumed after Redis came back: telemetry ${seconds(result.telemetry)}, idle check ${seconds(result.idleCheck)}, reconciliation ${seconds(result.reconcile)} (intervals ${SWEEP_INTERVAL_MS / 1000} s, ${SWEEP_INTERVAL_MS / 1000} s, ${RECONCILE_INTERVAL_MS / 1000} s)${result.problems.length === 0 ? "" : `; first problem: ${result.problems[0]}`}`,
    });
    expect(result.problems).toEqual([]);
    expect(result.sameProcesses).toBe(true);
  });
});
