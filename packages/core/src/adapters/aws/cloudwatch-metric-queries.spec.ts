import { describe, expect, it } from "vitest";
import { LatestDatapoints, planMetricQueries } from "./cloudwatch-metric-queries";

const window = {
  start: new Date("2026-01-01T00:00:00Z"),
  end: new Date("2026-01-01T00:10:00Z"),
  periodSeconds: 60,
};

describe("planMetricQueries", () => {
  it("builds one query per instance and metric with valid CloudWatch ids", () => {
    const planned = planMetricQueries(["i-0abc", "i-0def"], ["cpu", "memory"], window);
    expect(planned).toHaveLength(4);
    const ids = planned.map((entry) => entry.query.Id);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
    }
    expect(planned[1]?.query.MetricStat).toMatchObject({
      Metric: {
        Namespace: "CWAgent",
        MetricName: "mem_used_percent",
        Dimensions: [{ Name: "InstanceId", Value: "i-0abc" }],
      },
      Period: 60,
      Stat: "Average",
    });
  });
});

describe("LatestDatapoints", () => {
  it("keeps the newest datapoint per series across pages and leaves missing series null", () => {
    const planned = planMetricQueries(["i-1", "i-2"], ["cpu", "networkIn"], window);
    const latest = new LatestDatapoints();
    const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
    latest.add([
      { Id: "m0_0", Timestamps: [t(9), t(8)], Values: [40, 10] },
      { Id: "m1_0", Timestamps: [t(5)], Values: [3] },
    ]);
    latest.add([
      { Id: "m0_0", Timestamps: [t(7)], Values: [99] },
      { Id: "m1_0", Timestamps: [t(6)], Values: [4] },
      { Id: "m0_1", Timestamps: [t(9)], Values: [1234] },
    ]);
    const metrics = latest.toInstanceMetrics(planned);
    expect(metrics.get("i-1")).toEqual({
      cpuPercent: 40,
      networkInBytes: 1234,
      memoryPercent: null,
      networkOutBytes: null,
    });
    expect(metrics.get("i-2")).toEqual({
      cpuPercent: 4,
      networkInBytes: null,
      memoryPercent: null,
      networkOutBytes: null,
    });
  });
});
