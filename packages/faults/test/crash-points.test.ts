import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultStack, startFaultStack } from "../src/fault-stack";
import { recordFigures } from "../src/faults-report";
import { runCrashPoints } from "../src/scenarios/crash-points";
import { seededRandom, seedFromEnv } from "../src/seeded-random";

/** The issue's "Must show": 20 kill -9 points over the lifecycle jobs, every accepted intent reached. */
const ROUNDS = 20;

describe("kill -9 at random points of provision, start, stop, terminate and license jobs", () => {
  const seed = seedFromEnv();
  let stack: FaultStack;

  beforeAll(async () => {
    console.log(`[faults] crash points: seed ${seed} (FAULTS_SEED=${seed} replays it)`);
    stack = await startFaultStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("reaches every accepted intent, one instance per live worker, no orphan", {
    timeout: 600_000,
  }, async () => {
    const result = await runCrashPoints(stack, seededRandom(seed), {
      rounds: ROUNDS,
      convergeTimeoutMs: 45_000,
      budgetMs: 420_000,
      apiCrashEvery: 5,
      log: (line) => console.log(`[faults] ${line}`),
    });
    const seconds = result.points.flatMap((point) => (point.seconds === null ? [] : [point.seconds]));
    const kinds = result.points.map((point) => point.kind);
    recordFigures({
      order: 1,
      scenario: "kill -9 of the job process (every 5th also the API, mid-mutation) at random points",
      faultsTried: result.points.length,
      workers: result.workers,
      converged: result.convergedWorkers,
      duplicateInstances: result.duplicates,
      orphans: result.orphans,
      secondsToConverge: seconds,
      seed,
      passed: result.problems.length === 0,
      notes: `${["provision", "start", "stop", "terminate", "license"].map((kind) => `${kind} ${kinds.filter((entry) => entry === kind).length}`).join(", ")}; ${result.points.filter((point) => point.converged).length}/${result.points.length} points converged (${result.points.filter((point) => point.apiKilled).length} with the API killed, ${result.points.filter((point) => point.apiKilled && !point.accepted).length} of them unanswered)${result.problems.length === 0 ? "" : `; first problem: ${result.problems[0]}`}`,
    });
    expect(result.points).toHaveLength(ROUNDS);
    expect(result.problems).toEqual([]);
    expect(result.convergedWorkers).toBe(result.workers);
  });
});
