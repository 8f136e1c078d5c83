import type { ReplaySettings } from "./replay-settings";
import { replayWorker } from "./replay-worker";
import { buildReport, type ReplayReport } from "./report";
import { type Trace, TraceError } from "./trace";

export interface ReplayOptions {
  /** Skip the checks that cannot change anything while people run nodes (default); false ticks every interval. */
  readonly skipSteadyUse?: boolean;
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
  trace.workers.forEach((worker, index) => {
    if (worker.schedule !== null) {
      throw new TraceError(
        `workers[${index}].schedule`,
        "schedules are not yet supported by this replay (the fleet's schedule evaluation has not landed)",
      );
    }
  });
  const outcomes = [];
  for (const [index, worker] of trace.workers.entries()) {
    outcomes.push(await replayWorker(trace, worker, index, settings, options));
  }
  return buildReport(trace, outcomes);
}
