import type { ReplaySettings } from "./replay-settings";
import { replayWorker } from "./replay-worker";
import { buildReport, type ReplayReport } from "./report";
import type { Trace } from "./trace";

export interface ReplayOptions {
  /**
   * Run every periodic check at every interval, with no skipping while the worker is stopped or in steady
   * use: the reference the default (skipping) replay must match exactly. Slow.
   */
  readonly exact?: boolean;
}

/**
 * Replays a whole trace and reports what the fleet would bill. Workers are
 * replayed one after another, in trace order, each on its own simulated
 * clock: the same trace and settings always give the same report.
 */
export async function replayTrace(
  trace: Trace,
  settings: ReplaySettings,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const outcomes = [];
  for (const [index, worker] of trace.workers.entries()) {
    outcomes.push(await replayWorker(trace, worker, index, settings, options));
  }
  return buildReport(trace, outcomes);
}
