import type { WorkerCounts, WorkerOutcome } from "./replay-worker";
import type { Trace, TraceWorker } from "./trace";

const HOUR_MS = 3_600_000;

interface Stretch {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Total length of the union of stretches. */
export function unionMs(stretches: readonly Stretch[]): number {
  const sorted = [...stretches].sort((a, b) => a.fromMs - b.fromMs);
  let total = 0;
  let open: { fromMs: number; toMs: number } | null = null;
  for (const { fromMs, toMs } of sorted) {
    if (open === null || fromMs > open.toMs) {
      total += open === null ? 0 : open.toMs - open.fromMs;
      open = { fromMs, toMs };
    } else {
      open.toMs = Math.max(open.toMs, toMs);
    }
  }
  return total + (open === null ? 0 : open.toMs - open.fromMs);
}

/**
 * No automation at all: the worker runs from each start to the next manual
 * stop, or to the end. A worker whose `starts` is empty runs from the
 * beginning; an activity that begins while it is stopped starts it (the
 * person needs it, with or without the fleet). Same-instant order as the
 * replay: starts, then stops, then activity.
 */
export function baselineMs(trace: Trace, worker: TraceWorker): number {
  const moves = [
    ...worker.startsMs.map((atMs) => ({ atMs, order: 0, running: true })),
    ...worker.stopsMs.map((atMs) => ({ atMs, order: 1, running: false })),
    ...worker.activity.map((interval) => ({ atMs: interval.fromMs, order: 2, running: true })),
  ].sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  let since: number | null = worker.startsMs.length === 0 ? trace.startMs : null;
  let total = 0;
  for (const move of moves) {
    if (move.running && since === null) {
      since = move.atMs;
    } else if (!move.running && since !== null) {
      total += move.atMs - since;
      since = null;
    }
  }
  return since === null ? total : total + trace.endMs - since;
}

/** The oracle: exactly the union of the activity intervals. */
export function oracleMs(worker: TraceWorker): number {
  return unionMs(worker.activity);
}

export interface WorkerReport extends WorkerCounts {
  readonly name: string;
  readonly hourlyRate: number;
  readonly baselineHours: number;
  readonly billedHours: number;
  readonly oracleHours: number;
}

/** The contract's report, plus one key: the same figures per worker. */
export interface ReplayReport {
  readonly baselineHours: number;
  readonly billedHours: number;
  readonly oracleHours: number;
  /** (baseline - billed) / (baseline - oracle); null when baseline equals oracle (nothing could be saved). */
  readonly savedFraction: number | null;
  readonly stopsDuringActivity: number;
  readonly coldStarts: number;
  readonly scheduledLateStarts: number;
  readonly baselineUsd: number;
  readonly billedUsd: number;
  readonly oracleUsd: number;
  readonly workers: readonly WorkerReport[];
}

const round = (value: number, digits: number) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
const hours = (ms: number) => round(ms / HOUR_MS, 4);
const usd = (value: number) => round(value, 2);

/** Sums the outcomes (in trace order) into the report; every figure from whole milliseconds, rounded once. */
export function buildReport(trace: Trace, outcomes: readonly WorkerOutcome[]): ReplayReport {
  let baselineTotal = 0;
  let billedTotal = 0;
  let oracleTotal = 0;
  let baselineCost = 0;
  let billedCost = 0;
  let oracleCost = 0;
  const workers = outcomes.map((outcome, index): WorkerReport => {
    const traceWorker = trace.workers[index] as TraceWorker;
    const baseline = baselineMs(trace, traceWorker);
    const billed = outcome.billed.reduce((sum, stretch) => sum + (stretch.toMs - stretch.fromMs), 0);
    const oracle = oracleMs(traceWorker);
    baselineTotal += baseline;
    billedTotal += billed;
    oracleTotal += oracle;
    baselineCost += (baseline / HOUR_MS) * outcome.hourlyRate;
    billedCost += (billed / HOUR_MS) * outcome.hourlyRate;
    oracleCost += (oracle / HOUR_MS) * outcome.hourlyRate;
    return {
      name: outcome.name,
      hourlyRate: outcome.hourlyRate,
      baselineHours: hours(baseline),
      billedHours: hours(billed),
      oracleHours: hours(oracle),
      stopsDuringActivity: outcome.stopsDuringActivity,
      coldStarts: outcome.coldStarts,
      scheduledLateStarts: outcome.scheduledLateStarts,
      automatedStops: outcome.automatedStops,
      idleWarnings: outcome.idleWarnings,
      failedJobs: outcome.failedJobs,
    };
  });
  const sum = (pick: (worker: WorkerReport) => number) => workers.reduce((total, w) => total + pick(w), 0);
  const saveable = baselineTotal - oracleTotal;
  return {
    baselineHours: hours(baselineTotal),
    billedHours: hours(billedTotal),
    oracleHours: hours(oracleTotal),
    savedFraction: saveable <= 0 ? null : round((baselineTotal - billedTotal) / saveable, 4),
    stopsDuringActivity: sum((w) => w.stopsDuringActivity),
    coldStarts: sum((w) => w.coldStarts),
    scheduledLateStarts: sum((w) => w.scheduledLateStarts),
    baselineUsd: usd(baselineCost),
    billedUsd: usd(billedCost),
    oracleUsd: usd(oracleCost),
    workers,
  };
}
