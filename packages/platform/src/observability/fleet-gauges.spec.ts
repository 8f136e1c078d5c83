import type { FleetCounts } from "@cml-fleet/core/ports/worker-read-model.port";
import { describe, expect, it } from "vitest";
import { createFleetGaugeRefresher, fleetHourlyCostUsd } from "./fleet-gauges";
import { createFleetMetrics } from "./fleet-metrics";
import { silentLogger } from "./logger";

/** Configured prices: they win over the price list and the static table alike. */
const PRICES = {
  configured: { hourlyUsd: { "m5.large": 0.1, "c5.2xlarge": 0.4 }, regionalHourlyUsd: {} },
  live: null,
};

describe("fleetHourlyCostUsd", () => {
  it("prices the billed statuses only, and an unpriced type as free", () => {
    expect(
      fleetHourlyCostUsd(
        [
          { status: "RUNNING", region: "us-east-1", instanceType: "m5.large", count: 3 },
          { status: "STOPPING", region: "us-east-1", instanceType: "c5.2xlarge", count: 1 },
          { status: "STOPPED", region: "us-east-1", instanceType: "c5.2xlarge", count: 5 },
          { status: "RUNNING", region: "us-east-1", instanceType: "x9.unknown", count: 2 },
        ],
        PRICES,
      ),
    ).toBeCloseTo(0.7);
  });
});

describe("createFleetGaugeRefresher", () => {
  it("keeps the last values and counts the failure when the database cannot be read", async () => {
    const metrics = createFleetMetrics();
    let fail = false;
    const counts: FleetCounts = {
      total: 1,
      byStatus: {
        PENDING: 0,
        RUNNING: 1,
        STOPPING: 0,
        STOPPED: 0,
        SHUTTING_DOWN: 0,
        TERMINATED: 0,
        FAILED: 0,
        UNKNOWN: 0,
      },
      idle: 1,
      warned: 1,
      byLicenseStatus: {
        UNKNOWN: 0,
        UNREGISTERED: 0,
        REGISTERING: 0,
        REGISTERED: 0,
        DEREGISTERING: 0,
        EVALUATION: 0,
        EXPIRED: 1,
        INVALID: 0,
      },
      groups: [{ status: "RUNNING", region: "us-east-1", instanceType: "m5.large", count: 1 }],
    };
    const refresh = createFleetGaugeRefresher({
      metrics,
      readModel: {
        fleetCounts: async () => {
          if (fail) {
            throw new Error("connection refused");
          }
          return counts;
        },
      },
      prices: { current: async () => PRICES },
      logger: silentLogger,
    });

    await refresh();
    fail = true;
    await expect(refresh()).resolves.toBeUndefined();

    const text = await metrics.registry.metrics();
    expect(text).toContain('cml_fleet_workers{status="RUNNING"} 1');
    expect(text).toContain("cml_fleet_workers_idle 1");
    expect(text).toContain("cml_fleet_workers_idle_warned 1");
    expect(text).toContain('cml_fleet_workers_license{status="EXPIRED"} 1');
    expect(text).toContain('cml_fleet_workers_license{status="REGISTERED"} 0');
    expect(text).toContain("cml_fleet_hourly_cost_usd 0.1");
    expect(text).toContain("cml_fleet_fleet_gauge_errors_total 1");
  });
});
