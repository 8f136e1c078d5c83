import { performance } from "node:perf_hooks";
import type { FleetPubSub } from "@cml-fleet/platform/pubsub/fleet-pubsub";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";

/** How long one API process reuses a summary when no fleet event arrived in between. */
export const FLEET_SUMMARY_MAX_AGE_MS = 1_000;

/** Scopes beyond this many (USERs' owner lists) empty the cache rather than grow it. */
const MAX_SCOPES = 256;

export interface FleetSummaryCache<T> {
  /**
   * The summary of `owners` (null: the whole fleet) computed by this process
   * less than {@link FLEET_SUMMARY_MAX_AGE_MS} ago and after the last fleet
   * event it heard of, else `compute()`'s, which callers asking meanwhile share.
   */
  get(owners: readonly string[] | null, compute: () => Promise<T>): Promise<T>;
  /** Stops listening for fleet events. */
  close(): void;
}

interface Entry<T> {
  readonly computedAt: number;
  readonly value: Promise<T>;
}

/**
 * fleetSummary aggregates the whole fleet (counts by status, region and
 * instance type; the savings of every auto-stopped worker): its cost grows
 * with the fleet, while dashboards ask for it all the time and get the same
 * answer until something happens. So each API process keeps the last answer
 * per scope for a second, and forgets every answer when a fleet event
 * (created, status changed, auto-stopped, terminated ...) reaches it from
 * any process, so a change is seen as soon as its event arrives; what
 * changes without an event (idle stretches, prices, time passing for the
 * accrued savings) is at most a second old. The age is process time, not the
 * fleet's clock, which tests may hold still.
 */
export function createFleetSummaryCache<T>(
  pubsub: Pick<FleetPubSub, "listen">,
  // Process time in milliseconds; the specs pass their own.
  now: () => number = () => performance.now(),
): FleetSummaryCache<T> {
  const entries = new Map<string, Entry<T>>();
  // Also drops a computation still running: it may have read the fleet before the event.
  const stopListening = pubsub.listen(TOPICS.fleetEvent, () => entries.clear());

  return {
    get(owners, compute) {
      const key = owners === null ? "" : JSON.stringify(owners);
      const at = now();
      const entry = entries.get(key);
      if (entry !== undefined && at - entry.computedAt < FLEET_SUMMARY_MAX_AGE_MS) {
        return entry.value;
      }
      if (entries.size >= MAX_SCOPES) {
        entries.clear();
      }
      const value = compute();
      const stored: Entry<T> = { computedAt: at, value };
      entries.set(key, stored);
      // A failure is answered once, never served again.
      value.catch(() => {
        if (entries.get(key) === stored) {
          entries.delete(key);
        }
      });
      return value;
    },
    close: stopListening,
  };
}
