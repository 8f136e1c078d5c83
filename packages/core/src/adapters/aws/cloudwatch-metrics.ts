import { GetMetricDataCommand, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type {
  CloudTarget,
  CustomMetricDatum,
  InstanceMetrics,
  MetricWindow,
} from "../../ports/cloud-provider.port";
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
      (NextToken) =>
        callAws("cloudwatch", () =>
          client.send(
            new GetMetricDataCommand({
              MetricDataQueries,
              StartTime: window.start,
              EndTime: window.end,
              ScanBy: "TimestampDescending",
              NextToken,
            }),
          ),
        ),
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

export async function publishMetrics(
  clients: AwsClientCache,
  target: CloudTarget,
  namespace: string,
  data: readonly CustomMetricDatum[],
): Promise<void> {
  const client = clients.cloudwatch(target);
  for (const batch of chunk(data, DATUMS_PER_PUT)) {
    await callAws("cloudwatch", () =>
      client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch.map(toDatum) })),
    );
  }
}
