/**
 * How much a fuzz file does, and with which seed. The default is small, so
 * that the whole suite (and `.ci/run`) stays fast; `pnpm test:fuzz` runs the
 * same files with `FUZZ_RUNS=10000`. A failure prints its seed: run again with
 * `FUZZ_SEED=<seed>` (and the same `FUZZ_RUNS`) to replay the same inputs.
 */
export interface FuzzConfig {
  /** Generated cases of the file's main property (GraphQL operations, HTTP bodies, ...). */
  readonly runs: number;
  readonly seed: number;
  /** Whether the runs were asked for (FUZZ_RUNS) rather than the default. */
  readonly large: boolean;
  /** The test's own timeout: the project's 30 s is for ordinary tests, not ten thousand requests. */
  readonly timeoutMs: number;
}

function positiveInteger(name: string, text: string | undefined): number | null {
  if (text === undefined || text === "") {
    return null;
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new Error(`${name}=${text} is not an integer`);
  }
  return value;
}

/** `defaultRuns` when FUZZ_RUNS is unset; `share` scales FUZZ_RUNS for files that are slower per case. */
export function fuzzConfig(defaultRuns: number, share = 1): FuzzConfig {
  const asked = positiveInteger("FUZZ_RUNS", process.env.FUZZ_RUNS);
  const seed = positiveInteger("FUZZ_SEED", process.env.FUZZ_SEED) ?? Date.now() % 2_147_483_647;
  const runs = asked === null ? defaultRuns : Math.max(1, Math.round(asked * share));
  return { runs, seed, large: asked !== null, timeoutMs: 60_000 + runs * 100 };
}

/** The line that says how to replay a run. */
export function replayHint(config: FuzzConfig, file: string): string {
  const runs = config.large ? `FUZZ_RUNS=${process.env.FUZZ_RUNS} ` : "";
  return `replay: ${runs}FUZZ_SEED=${config.seed} pnpm exec vitest run ${file}`;
}
