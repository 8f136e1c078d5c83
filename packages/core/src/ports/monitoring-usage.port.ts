import type { CloudTarget } from "./cloud-provider.port";

/** Billable CloudWatch units of one call the AWS adapter made. */
export interface MonitoringUsage {
  /** Metrics requested by a GetMetricData call (its queries; each is billed, whatever it returns). */
  readonly metricsRequested?: number | undefined;
  /** PutMetricData requests made. */
  readonly putMetricDataRequests?: number | undefined;
  /** The custom metric series a PutMetricData call wrote to (namespace, name and dimensions). */
  readonly customSeries?: readonly string[] | undefined;
}

/**
 * Told of the billable CloudWatch units as the AWS adapter spends them, and
 * kept in a rolling window every process shares (Redis), so the fleet can
 * say what watching itself costs.
 */
export interface MonitoringUsageRecorder {
  record(target: CloudTarget, usage: MonitoringUsage): Promise<void>;
}

/** The units counted over the window, and the time they cover. */
export interface MonitoringUsageTally {
  readonly metricsRequested: number;
  readonly putMetricDataRequests: number;
  /** Distinct custom series written to within the window (an estimate past a few hundred: HyperLogLog). */
  readonly customMetricSeries: number;
  /** How long the counts cover: the window, or less when counting began more recently. 0: nothing counted. */
  readonly coveredMs: number;
}

export interface MonitoringUsageReader {
  tally(): Promise<MonitoringUsageTally>;
}
