import type { TelemetrySnapshot } from "./worker";

/**
 * How often EC2 publishes an instance's CloudWatch metrics: "basic" every 5 minutes, "detailed" every minute
 * (EC2's Monitoring.State).
 */
export type InstanceMonitoring = "basic" | "detailed";

/** The time between two datapoints of an instance's EC2 metrics. */
export const DATAPOINT_INTERVAL_MS: Readonly<Record<InstanceMonitoring, number>> = {
  basic: 300_000,
  detailed: 60_000,
};

/**
 * Sweeps run every minute but start a little early or late. Without slack, a basic instance asked at 0 s and
 * swept at 299.8 s would wait for the sweep at 359.8 s, and a detailed one would skip every other sweep.
 */
const SWEEP_JITTER_MS = 5_000;

/**
 * What CloudWatch said of a worker's instance the last time a sweep asked, kept in the worker's telemetry.
 * The instant is ISO text, like the impairment episode's: the snapshot is stored as JSON.
 */
export interface CloudWatchReading {
  /** When the sweep asked (its AWS reading's instant). */
  readonly askedAt: string;
  readonly cpuPercent: number | null;
  readonly memoryPercent: number | null;
  readonly networkInBytes: number | null;
  readonly networkOutBytes: number | null;
}

/**
 * Whether CloudWatch can hold a datapoint it did not hold when `reading` was taken. No reading, an unreadable
 * instant or one in the future (a clock set back) all mean yes: a lost record costs a question, never the
 * figures.
 */
export function newDatapointCanExist(
  reading: CloudWatchReading | null,
  monitoring: InstanceMonitoring,
  at: Date,
): boolean {
  const askedMs = reading === null ? Number.NaN : Date.parse(reading.askedAt);
  if (Number.isNaN(askedMs) || askedMs > at.getTime()) {
    return true;
  }
  return at.getTime() - askedMs >= DATAPOINT_INTERVAL_MS[monitoring] - SWEEP_JITTER_MS;
}

/**
 * Whether a sweep at `at` asks CloudWatch for a running worker's metrics: only when CML cannot give its CPU
 * and memory (unreachable, never looked at, or its stats lacked them at the last sweep) and a new datapoint
 * can exist. CML's own stats are free and fresher; CloudWatch bills every metric asked for.
 */
export function cloudWatchIsDue(
  telemetry: TelemetrySnapshot | null,
  monitoring: InstanceMonitoring,
  at: Date,
): boolean {
  const cmlGaveUsage = telemetry?.cmlReachable === true && telemetry.usageFromCml === true;
  return !cmlGaveUsage && newDatapointCanExist(telemetry?.cloudWatch ?? null, monitoring, at);
}

/** The reading while it is still CloudWatch's newest (no newer datapoint can exist yet), else null. */
export function currentReading(
  reading: CloudWatchReading | null,
  monitoring: InstanceMonitoring,
  at: Date,
): CloudWatchReading | null {
  return reading !== null && !newDatapointCanExist(reading, monitoring, at) ? reading : null;
}
