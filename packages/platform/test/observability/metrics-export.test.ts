import { createFleetMetrics } from "@cml-fleet/platform/observability/fleet-metrics";
import {
  millisecondsOr,
  otlpMetricsUrl,
  startMetricsExportFromSettings,
} from "@cml-fleet/platform/observability/metrics-export";
import { afterEach, describe, expect, it } from "vitest";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver";

let receiver: OtlpReceiver | null = null;

afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

describe("metrics over OTLP", () => {
  it("sends the registry under the /metrics names: counters as sums, gauges, histograms with their buckets", async () => {
    const collector = await startOtlpReceiver();
    receiver = collector;
    const metrics = createFleetMetrics();
    metrics.httpRequests.inc({ method: "POST", status: "200" }, 3);
    metrics.httpRequestDuration.observe({ method: "POST", status: "200" }, 0.02);
    metrics.httpRequestDuration.observe({ method: "POST", status: "200" }, 0.3);
    metrics.httpRequestDuration.observe({ method: "POST", status: "200" }, 900);
    let refreshed = 0;
    const exporting = startMetricsExportFromSettings(
      { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_METRIC_EXPORT_INTERVAL: "3600000" },
      { endpoint: null, serviceName: "metrics-export-test" },
      {
        registry: metrics.registry,
        beforeCollect: async () => {
          // What a scrape would refresh first (the fleet gauges read the database).
          refreshed += 1;
          metrics.hourlyCost.set(12.5);
        },
      },
    );
    expect(exporting.enabled).toBe(true);
    await exporting.flush();
    await exporting.shutdown();

    expect(collector.rejected).toEqual([]);
    expect(refreshed).toBeGreaterThan(0);
    const byName = new Map(collector.metrics.map((metric) => [metric.name, metric]));
    expect(new Set(collector.metrics.map((metric) => metric.service))).toEqual(
      new Set(["metrics-export-test"]),
    );

    const requests = byName.get("cml_fleet_http_requests_total");
    expect(requests).toMatchObject({ kind: "sum", isMonotonic: true });
    expect(requests?.points).toEqual([
      expect.objectContaining({ attributes: { method: "POST", status: "200" }, value: 3 }),
    ]);

    expect(byName.get("cml_fleet_hourly_cost_usd")).toMatchObject({
      kind: "gauge",
      points: [{ value: 12.5 }],
    });

    const duration = byName.get("cml_fleet_http_request_duration_seconds");
    expect(duration?.kind).toBe("histogram");
    const point = duration?.points[0];
    expect(point?.attributes).toEqual({ method: "POST", status: "200" });
    expect(point?.count).toBe(3);
    expect(point?.explicitBounds).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
    ]);
    // Per bucket, not cumulative: 0.02 in (0.01, 0.025], 0.3 in (0.25, 0.5], 900 past the last bound.
    expect(point?.bucketCounts).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it("is off without an endpoint, with the SDK disabled, or with the metrics exporter set to none", async () => {
    const metrics = createFleetMetrics();
    const off = startMetricsExportFromSettings({}, { endpoint: null, serviceName: "x" }, metrics);
    expect(off.enabled).toBe(false);
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" };
    expect(otlpMetricsUrl(endpoint)).toBe("http://collector:4318/v1/metrics");
    expect(otlpMetricsUrl({ ...endpoint, OTEL_SDK_DISABLED: "true" })).toBeNull();
    expect(otlpMetricsUrl({ ...endpoint, OTEL_METRICS_EXPORTER: "none" })).toBeNull();
    expect(otlpMetricsUrl({ ...endpoint, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://m:1/x" })).toBe(
      "http://m:1/x",
    );
    // The configuration file's endpoint works like the variable.
    const collector = await startOtlpReceiver();
    receiver = collector;
    const fromFile = startMetricsExportFromSettings(
      {},
      { endpoint: collector.endpoint, serviceName: "from-file" },
      metrics,
    );
    expect(fromFile.enabled).toBe(true);
    await fromFile.shutdown();
    const names = collector.metrics.map((metric) => metric.name);
    // An unlabelled counter has its zero; a labelled one nothing counted has no series, as on /metrics.
    expect(names).toContain("cml_fleet_fleet_gauge_errors_total");
    expect(names).not.toContain("cml_fleet_jobs_total");
  });

  it("takes the export interval as whole milliseconds, ignoring anything else as the specification asks", () => {
    expect(millisecondsOr("500", 60_000)).toBe(500);
    for (const invalid of [undefined, "", "0", "-5", "1.5", "10s", "1e3", "99999999999"]) {
      expect(millisecondsOr(invalid, 60_000)).toBe(60_000);
    }
  });
});
