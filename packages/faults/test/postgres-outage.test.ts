import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultStack, SWEEP_INTERVAL_MS, startFaultStack } from "../src/fault-stack";
import { recordFigures } from "../src/faults-report";
import { runPostgresOutage } from "../src/scenarios/postgres-outage";

/** A request must not hang on the database: a bound far above any connect timeout turns a hang into a failure. */
const NO_HANG_MS = 30_000;

describe("Postgres stopped mid-run", () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("/readyz is not 200, mutations fail fast with UPSTREAM_UNAVAILABLE, and once it is back a stop lands", {
    timeout: 300_000,
  }, async () => {
    const result = await runPostgresOutage(stack, {
      noHangMs: NO_HANG_MS,
      outageMs: 3 * SWEEP_INTERVAL_MS,
      recoverTimeoutMs: 60_000,
    });
    const problems = [
      ...result.problems,
      ...result.refused
        .filter((refusal) => refusal.codes.join() !== "UPSTREAM_UNAVAILABLE")
        .map((refusal) => `${refusal.mutation} answered ${refusal.message}`),
    ];
    recordFigures({
      order: 3,
      scenario: "Postgres stopped mid-run, then started again (same processes)",
      faultsTried: 1,
      workers: 1,
      converged: result.stopLanded === null ? 0 : 1,
      duplicateInstances: 0,
      orphans: 0,
      secondsToConverge: result.stopLanded === null ? [] : [result.stopLanded],
      seed: null,
      passed: problems.length === 0 && result.readyWhileDown !== 200,
      notes: `/readyz ${result.readyWhileDown} while down, 200 again ${result.readyAgain === null ? "never" : `${result.readyAgain.toFixed(1)} s after`}; ${result.refused.map((refusal) => `${refusal.mutation} refused in ${refusal.seconds.toFixed(1)} s with ${refusal.codes.join() || "no code"}`).join(", ")}${problems.length === 0 ? "" : `; first problem: ${problems[0]}`}`,
    });
    expect(result.readyWhileDown).not.toBe(200);
    expect(result.refused.map((refusal) => refusal.codes)).toEqual([
      ["UPSTREAM_UNAVAILABLE"],
      ["UPSTREAM_UNAVAILABLE"],
    ]);
    for (const refusal of result.refused) {
      expect(refusal.message).toMatch(/database/i);
    }
    // The refused stop changed nothing.
    expect(result.desiredAfterOutage).toBe("RUNNING");
    expect(problems).toEqual([]);
  });
});
