import type { CloudTarget } from "./cloud-provider.port";

/**
 * The fleet's CML figures summed over one account and region: what the
 * custom metrics publish instead of a series per worker. Counted over the
 * workers not terminated, so a region whose workers are all stopped reports
 * zeros (an alarm sees 0, not missing data).
 */
export interface FleetMetricTotals extends CloudTarget {
  /** Workers whose status is RUNNING. */
  readonly workersRunning: number;
  /** Running workers whose CML answered the last sweep. */
  readonly workersCmlReachable: number;
  /** Nodes running on the reachable workers, as their CML last said. */
  readonly runningNodes: number;
  /** Labs started on the reachable workers, as their CML last said. */
  readonly startedLabs: number;
  /** Running workers whose CML license is registered. */
  readonly workersLicensed: number;
  /** Running workers in an idle stretch (the idle policy's `idleSince` set). */
  readonly workersIdle: number;
}

/** Reads the totals in one aggregate statement, never a list of every worker. */
export interface FleetMetricTotalsReader {
  /** One entry per account and region holding workers not terminated. */
  fleetMetricTotals(): Promise<FleetMetricTotals[]>;
}
