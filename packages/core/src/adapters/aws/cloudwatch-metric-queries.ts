import type { MetricDataQuery, MetricDataResult } from "@aws-sdk/client-cloudwatch";
import type { InstanceMetrics, MetricWindow } from "../../ports/cloud-provider.port";

export type MetricName = "cpu" | "memory" | "networkIn" | "networkOut";

interface MetricSource {
  readonly namespace: string;
  readonly metricName: string;
  readonly stat: string;
  readonly field: keyof InstanceMetrics;
}

/**
 * Where each metric comes from. Memory is only reported by the CloudWatch
 * agent (namespace CWAgent, dimension InstanceId); instances without the agent
 * simply have no datapoints and get null.
 */
export const METRIC_SOURCES: Readonly<Record<MetricName, MetricSource>> = {
  cpu: { namespace: "AWS/EC2", metricName: "CPUUtilization", stat: "Average", field: "cpuPercent" },
  networkIn: { namespace: "AWS/EC2", metricName: "NetworkIn", stat: "Sum", field: "networkInBytes" },
  networkOut: { namespace: "AWS/EC2", metricName: "NetworkOut", stat: "Sum", field: "networkOutBytes" },
  memory: { namespace: "CWAgent", metricName: "mem_used_percent", stat: "Average", field: "memoryPercent" },
};

export const ALL_METRICS: readonly MetricName[] = ["cpu", "memory", "networkIn", "networkOut"];

/** GetMetricData takes at most 500 queries a call. */
export const QUERIES_PER_CALL = 500;

export interface PlannedQuery {
  readonly query: MetricDataQuery;
  readonly instanceId: string;
  readonly field: keyof InstanceMetrics;
}

/**
 * One query per instance and metric. Ids must start with a lowercase letter
 * and hold only [a-zA-Z0-9_], so they are built from positions, never from
 * instance ids (which contain '-').
 */
export function planMetricQueries(
  instanceIds: readonly string[],
  metrics: readonly MetricName[],
  window: MetricWindow,
): PlannedQuery[] {
  const planned: PlannedQuery[] = [];
  instanceIds.forEach((instanceId, instanceIndex) => {
    metrics.forEach((metric, metricIndex) => {
      const source = METRIC_SOURCES[metric];
      planned.push({
        instanceId,
        field: source.field,
        query: {
          Id: `m${instanceIndex}_${metricIndex}`,
          MetricStat: {
            Metric: {
              Namespace: source.namespace,
              MetricName: source.metricName,
              Dimensions: [{ Name: "InstanceId", Value: instanceId }],
            },
            Period: window.periodSeconds,
            Stat: source.stat,
          },
          ReturnData: true,
        },
      });
    });
  });
  return planned;
}

export const EMPTY_METRICS: InstanceMetrics = {
  cpuPercent: null,
  memoryPercent: null,
  networkInBytes: null,
  networkOutBytes: null,
};

/** Keeps the newest datapoint of each series across pages. */
export class LatestDatapoints {
  private readonly latest = new Map<string, { at: number; value: number }>();

  add(results: readonly MetricDataResult[]): void {
    for (const result of results) {
      if (result.Id === undefined) {
        continue;
      }
      const timestamps = result.Timestamps ?? [];
      const values = result.Values ?? [];
      timestamps.forEach((timestamp, index) => {
        const value = values[index];
        const at = timestamp.getTime();
        const id = result.Id;
        if (value === undefined || id === undefined) {
          return;
        }
        const current = this.latest.get(id);
        if (current === undefined || at > current.at) {
          this.latest.set(id, { at, value });
        }
      });
    }
  }

  /** Every requested instance, with null where no datapoint came back. */
  toInstanceMetrics(planned: readonly PlannedQuery[]): Map<string, InstanceMetrics> {
    const byInstance = new Map<string, InstanceMetrics>();
    for (const { query, instanceId, field } of planned) {
      const current = byInstance.get(instanceId) ?? EMPTY_METRICS;
      const point = query.Id === undefined ? undefined : this.latest.get(query.Id);
      byInstance.set(instanceId, point === undefined ? current : { ...current, [field]: point.value });
    }
    return byInstance;
  }
}
