import { GetMetricDataCommand, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type {
  CloudTarget,
  CustomMetricDatum,
  InstanceMetrics,
  MetricWindow,
} from "../../ports/cloud-provider.port";
import type { MonitoringUsageRecorder } from "../../ports/monitoring-usage.port";
import type { AwsClientCache } from "./aws-client-cache";
import { callAws } from "./aws-error-mapping";
import { chunk, collectPages } from "./batching";
import {
  LatestDatapoints,
  type MetricName,
  planMetricQueries,
  QUERIES_PER_CALL,
} from "./cloudwatch-metric-queries";

/** PutMetricData accepts up to 1000 datums (and 1 MB) per call; our datums are far below 1 KB each. */
export const DATUMS_PER_PUT = 1000;

export interface CloudWatchMetricsDeps {
  readonly clients: AwsClientCache;
  readonly metricNames: readonly MetricName[];
  /** Told of the billable units each answered call spent (the fleet's monitoring bill); none: not counted. */
  readonly usage?: MonitoringUsageRecorder | undefined;
}

/** Latest value of each configured metric per instance: ceil(N * metrics / 500) calls (plus NextToken pages). */
export async function instanceMetrics(
  deps: CloudWatchMetricsDeps,
  target: CloudTarget,
  instanceIds: readonly string[],
  window: MetricWindow,
): Promise<Map<string, InstanceMetrics>> {
  const planned = planMetricQueries([...new Set(instanceIds)], deps.metricNames, window);
  const client = deps.clients.cloudwatch(target);
  const latest = new LatestDatapoints();
  for (const batch of chunk(planned, QUERIES_PER_CALL)) {
    const MetricDataQueries = batch.map((entry) => entry.query);
    await collectPages(
      async (NextToken) => {
        const page = await callAws("cloudwatch", () =>
          client.send(
            new GetMetricDataCommand({
              MetricDataQueries,
              StartTime: window.start,
              EndTime: window.end,
              ScanBy: "TimestampDescending",
              NextToken,
            }),
          ),
        );
        // Every answered call (each page too) bills each metric it requested, whatever it returned.
        await deps.usage?.record(target, { metricsRequested: MetricDataQueries.length });
        return page;
      },
      (page) => {
        latest.add(page.MetricDataResults ?? []);
        return false;
      },
    );
  }
  return latest.toInstanceMetrics(planned);
}

function toDatum(datum: CustomMetricDatum): MetricDatum {
  return {
    MetricName: datum.name,
    Dimensions: Object.entries(datum.dimensions).map(([Name, Value]) => ({ Name, Value })),
    Value: datum.value,
    Unit: datum.unit,
    Timestamp: datum.at,
  };
}

/** A custom series as CloudWatch bills it: namespace, name and dimensions (in the target's account and region). */
export function customSeriesOf(namespace: string, datum: CustomMetricDatum): string {
  const dimensions = Object.entries(datum.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`)
    .join(",");
  return `${namespace}/${datum.name}/${dimensions}`;
}

export async function publishMetrics(
  clients: AwsClientCache,
  target: CloudTarget,
  namespace: string,
  data: readonly CustomMetricDatum[],
  usage?: MonitoringUsageRecorder,
): Promise<void> {
  const client = clients.cloudwatch(target);
  for (const batch of chunk(data, DATUMS_PER_PUT)) {
    await callAws("cloudwatch", () =>
      client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch.map(toDatum) })),
    );
    await usage?.record(target, {
      putMetricDataRequests: 1,
      customSeries: [...new Set(batch.map((datum) => customSeriesOf(namespace, datum)))],
    });
  }
}
