import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One scenario's figures from its last run. */
export interface ScenarioFigures {
  /** Its place in the table (1..5, the order). */
  readonly order: number;
  readonly scenario: string;
  /** Faults injected (kill -9 points, Redis losses, Postgres stops, stalls, or the faulty calls). */
  readonly faultsTried: number;
  readonly workers: number;
  readonly converged: number;
  readonly duplicateInstances: number;
  readonly orphans: number;
  /** Seconds from each fault to convergence. */
  readonly secondsToConverge: readonly number[];
  /** The seed of its random choices; null for a scenario without any. */
  readonly seed: number | null;
  /** Whether every assertion of the scenario held. */
  readonly passed: boolean;
  /** One line: what else was measured, or what failed. */
  readonly notes: string;
}

export const REPORT_PATH = fileURLToPath(new URL("../../../bench/FAULTS.md", import.meta.url));
/** FAULTS.md ends with its rows as data (one line), so that a run of one scenario keeps the others' rows. */
const DATA_PREFIX = "<!-- faults-data: ";
const DATA_SUFFIX = " -->";

export function median(values: readonly number[]): number | null {
  if (values.length === 0) {
    return null;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}

const seconds = (value: number | null) => (value === null ? "-" : value.toFixed(1));
const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** FAULTS.md from the rows: the same rows give the same text (ordered by scenario, fixed columns). */
export function renderReport(rows: readonly ScenarioFigures[]): string {
  const ordered = [...rows].sort((a, b) => a.order - b.order);
  const lines = [
    "# Fault suite figures",
    "",
    "Written by `pnpm test:faults` (packages/faults) from its last run of each scenario (a run of one scenario",
    "replaces its own row). Every scenario runs the whole system as separate processes on this machine: a private",
    "Postgres cluster, a private redis-server without persistence, the simulator, the API and the job processes.",
    "Seconds to converge run from the fault to the moment every accepted intent was reached (max / median over",
    "the faults of the scenario). Replay a run with `FAULTS_SEED=<seed> pnpm test:faults`.",
    "",
    "| # | scenario | faults tried | workers | converged | duplicate instances | orphans | seconds to converge (max / median) | seed | result | notes |",
    "| -: | -------- | -----------: | ------: | --------: | ------------------: | ------: | ---------------------------------- | ---: | ------ | ----- |",
    ...ordered.map((row) =>
      [
        "",
        String(row.order),
        cell(row.scenario),
        String(row.faultsTried),
        String(row.workers),
        `${row.converged}/${row.workers}`,
        String(row.duplicateInstances),
        String(row.orphans),
        `${seconds(row.secondsToConverge.length === 0 ? null : Math.max(...row.secondsToConverge))} / ${seconds(median(row.secondsToConverge))}`,
        row.seed === null ? "-" : String(row.seed),
        row.passed ? "pass" : "FAIL",
        cell(row.notes),
        "",
      ]
        .join(" | ")
        .trim(),
    ),
    "",
    `${DATA_PREFIX}${JSON.stringify(ordered)}${DATA_SUFFIX}`,
    "",
  ];
  return lines.join("\n");
}

/** The rows kept at the end of a report ({@link renderReport}); none when there is no report or no data line. */
export function rowsOfReport(text: string): ScenarioFigures[] {
  const line = text.split("\n").find((entry) => entry.startsWith(DATA_PREFIX) && entry.endsWith(DATA_SUFFIX));
  if (line === undefined) {
    return [];
  }
  return JSON.parse(line.slice(DATA_PREFIX.length, -DATA_SUFFIX.length)) as ScenarioFigures[];
}

function readRows(): ScenarioFigures[] {
  try {
    return rowsOfReport(readFileSync(REPORT_PATH, "utf8"));
  } catch {
    return [];
  }
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** Replaces the scenario's row (by its order) in bench/FAULTS.md. */
export function recordFigures(row: ScenarioFigures): void {
  writeAtomically(REPORT_PATH, renderReport([...readRows().filter((kept) => kept.order !== row.order), row]));
}
