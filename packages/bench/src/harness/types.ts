import type { MachineInfo } from "./machine";

/** One line of the results table: a figure, its reference, and whether a target was met. */
export interface ResultRow {
  readonly scenario: string;
  readonly metric: string;
  /** The measured figure, formatted with its unit. */
  readonly value: string;
  /** What it is compared with in the same run (a floor, a bare server, a target). */
  readonly reference: string;
  /** "met", "MISSED", "n/a" (no target), or "not measured". */
  readonly verdict: Verdict;
  readonly note?: string;
}

export type Verdict = "met" | "MISSED" | "n/a" | "not measured";

export interface BenchContext {
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** Unique per run; every schema, Redis prefix and queue of the run derives from it. */
  readonly runId: string;
  readonly log: (line: string) => void;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  /** How the figures are produced, for the results file. */
  readonly method: readonly string[];
  run(ctx: BenchContext): Promise<ResultRow[]>;
}

export function verdict(met: boolean): Verdict {
  return met ? "met" : "MISSED";
}
