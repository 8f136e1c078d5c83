import type { MonitoringUsageTally } from "../ports/monitoring-usage.port";

/**
 * CloudWatch list prices (us-east-1, first tier): GetMetricData per 1,000
 * metrics requested, PutMetricData per 1,000 requests, a custom metric per
 * month (the first 10,000). Other regions differ by a few percent at most.
 */
export const CLOUDWATCH_LIST_PRICES_USD = {
  perThousandMetricsRequested: 0.01,
  perThousandPutMetricDataRequests: 0.01,
  perCustomMetricMonth: 0.3,
} as const;

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;
const MS_PER_MONTH = HOURS_PER_MONTH * 3_600_000;

/** What monitoring the fleet costs in a month, projected from what was counted. */
export interface MonitoringCost {
  readonly monthlyUsd: number;
  readonly metricsRequestedPerMonth: number;
  readonly putMetricDataRequestsPerMonth: number;
  readonly customMetricSeries: number;
  /** The parts of monthlyUsd. */
  readonly getMetricDataMonthlyUsd: number;
  readonly putMetricDataMonthlyUsd: number;
  readonly customMetricsMonthlyUsd: number;
  /** How many hours of counts the projection rests on (0: nothing counted yet, every figure is 0). */
  readonly basedOnHours: number;
}

/** The monthly bill of a number of units at list price. */
export function monthlyCostOf(units: {
  readonly metricsRequestedPerMonth: number;
  readonly putMetricDataRequestsPerMonth: number;
  readonly customMetricSeries: number;
}): { getMetricData: number; putMetricData: number; customMetrics: number; total: number } {
  const prices = CLOUDWATCH_LIST_PRICES_USD;
  const getMetricData = (units.metricsRequestedPerMonth / 1000) * prices.perThousandMetricsRequested;
  const putMetricData =
    (units.putMetricDataRequestsPerMonth / 1000) * prices.perThousandPutMetricDataRequests;
  const customMetrics = units.customMetricSeries * prices.perCustomMetricMonth;
  return {
    getMetricData,
    putMetricData,
    customMetrics,
    total: getMetricData + putMetricData + customMetrics,
  };
}

/**
 * Projects the counted rates over a month: requests scale with time, while a
 * custom series seen in the window is billed for the whole month (CloudWatch
 * bills a series for any month it receives data, prorated by the hour).
 */
export function projectMonitoringCost(tally: MonitoringUsageTally): MonitoringCost {
  const scale = tally.coveredMs > 0 ? MS_PER_MONTH / tally.coveredMs : 0;
  const metricsRequestedPerMonth = Math.round(tally.metricsRequested * scale);
  const putMetricDataRequestsPerMonth = Math.round(tally.putMetricDataRequests * scale);
  const customMetricSeries = tally.customMetricSeries;
  const cost = monthlyCostOf({ metricsRequestedPerMonth, putMetricDataRequestsPerMonth, customMetricSeries });
  return {
    monthlyUsd: cost.total,
    metricsRequestedPerMonth,
    putMetricDataRequestsPerMonth,
    customMetricSeries,
    getMetricDataMonthlyUsd: cost.getMetricData,
    putMetricDataMonthlyUsd: cost.putMetricData,
    customMetricsMonthlyUsd: cost.customMetrics,
    basedOnHours: tally.coveredMs / 3_600_000,
  };
}
