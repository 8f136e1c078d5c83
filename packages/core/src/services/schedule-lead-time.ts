import { learnedLeadMs } from "../domain/schedule";
import type { Worker } from "../domain/worker";
import type { StartHistory } from "../ports/schedule-store.port";

export interface ScheduleLeadConfig {
  /** The lead when the fleet has too few starts of a kind to learn from (CML_SCHEDULE_DEFAULT_LEAD). */
  readonly defaultLeadMs: number;
  /** No lead is longer: a start history gone wrong must not run workers for hours. */
  readonly maxLeadMs: number;
  /** Recent starts looked at per region and instance type. */
  readonly historySamples: number;
  /**
   * Added to what starts take: a start is asked for at the first evaluation
   * after its time, up to one evaluation interval late.
   */
  readonly slackMs: number;
}

export const MAX_SCHEDULE_LEAD_MS = 2 * 3_600_000;

/**
 * How long before a window opens a stopped worker is started, per region
 * and instance type: the 90th percentile of the fleet's recent starts (start
 * asked → AVAILABLE), the default when there are fewer than three, plus the
 * evaluation slack; at most `maxLeadMs`. Answers are kept for the life of
 * the object (one evaluation, one API request).
 */
export function createLeadTimes(history: StartHistory, config: ScheduleLeadConfig) {
  const cache = new Map<string, Promise<number>>();
  return {
    leadMs(worker: Pick<Worker, "region" | "instanceType">): Promise<number> {
      const key = `${worker.region}/${worker.instanceType}`;
      let lead = cache.get(key);
      if (lead === undefined) {
        lead = history
          .startDurations(worker.region, worker.instanceType, config.historySamples)
          .then((durations) =>
            Math.min(
              config.maxLeadMs,
              learnedLeadMs(durations, { defaultMs: config.defaultLeadMs, maxMs: config.maxLeadMs }) +
                config.slackMs,
            ),
          );
        cache.set(key, lead);
      }
      return lead;
    },
  };
}

export type LeadTimes = ReturnType<typeof createLeadTimes>;
