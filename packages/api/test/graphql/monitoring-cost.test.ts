import { redisPrefixes } from "@cml-fleet/platform/queue/queue-definitions";
import { createRedisMonitoringUsage } from "@cml-fleet/platform/redis/redis-monitoring-usage";
import { describe, expect, it } from "vitest";
import { dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

/**
 * fleetSummary.monitoringCost: what the job processes counted of CloudWatch's
 * billable units (here recorded as the AWS adapter records them, into the
 * same Redis counters), projected over a month at list price. The API's clock
 * stands still, so the counted hour is exactly an hour.
 */
const NOW = new Date("2026-11-30T12:30:00Z");
const HOUR_MS = 3_600_000;
const { fleet, api } = useTestFleet("monitoring-cost", { api: { clock: { now: () => NOW } } });

interface CostView {
  readonly monthlyUsd: number;
  readonly metricsRequestedPerMonth: number;
  readonly putMetricDataRequestsPerMonth: number;
  readonly customMetricSeries: number;
  readonly getMetricDataMonthlyUsd: number;
  readonly putMetricDataMonthlyUsd: number;
  readonly customMetricsMonthlyUsd: number;
  readonly basedOnHours: number;
}

const COST_QUERY = `{ fleetSummary { monitoringCost {
  monthlyUsd metricsRequestedPerMonth putMetricDataRequestsPerMonth customMetricSeries
  getMetricDataMonthlyUsd putMetricDataMonthlyUsd customMetricsMonthlyUsd basedOnHours
} } }`;

async function cost(url: string): Promise<CostView | null> {
  const read = dataOf(
    await gql<{ fleetSummary: { monitoringCost: CostView | null } }>(url, COST_QUERY, {
      token: fleet.tokens.VIEWER,
    }),
  );
  return read.fleetSummary.monitoringCost;
}

describe("fleetSummary.monitoringCost", () => {
  it("says nothing is spent before anything is counted, then projects the counted hour over 730 hours at list price", async () => {
    expect(await cost(api.url)).toMatchObject({ monthlyUsd: 0, basedOnHours: 0, customMetricSeries: 0 });

    // An hour ago counting began: 1,000 metrics requested, 12 PutMetricData requests with the 6 fleet totals.
    const usage = createRedisMonitoringUsage(fleet.redis, redisPrefixes(fleet.prefix).keys, {
      now: () => NOW.getTime() - HOUR_MS,
    });
    const target = { accountId: "default", region: "us-east-1" };
    await usage.record(target, { metricsRequested: 1_000 });
    const totals = [
      "WorkersRunning",
      "WorkersCmlReachable",
      "RunningNodes",
      "StartedLabs",
      "WorkersLicensed",
      "WorkersIdle",
    ];
    for (let put = 0; put < 12; put++) {
      await usage.record(target, {
        putMetricDataRequests: 1,
        customSeries: totals.map((name) => `CMLFleet/${name}/`),
      });
    }

    // Another API process: the first keeps its last answer for a second.
    const replica = await fleet.startApi({ clock: { now: () => NOW } });
    const projected = await cost(replica.url);
    expect(projected).toMatchObject({
      metricsRequestedPerMonth: 730_000,
      putMetricDataRequestsPerMonth: 8_760,
      customMetricSeries: 6,
      basedOnHours: 1,
    });
    expect(projected?.getMetricDataMonthlyUsd).toBeCloseTo(7.3, 6);
    expect(projected?.putMetricDataMonthlyUsd).toBeCloseTo(0.0876, 6);
    expect(projected?.customMetricsMonthlyUsd).toBeCloseTo(1.8, 6);
    expect(projected?.monthlyUsd).toBeCloseTo(7.3 + 0.0876 + 1.8, 6);
  });
});
