import { describe, expect, it } from "vitest";
import { createFleetMetrics } from "./fleet-metrics";

describe("createFleetMetrics", () => {
  it("gives each call a registry of its own, so processes and tests do not share series", async () => {
    const first = createFleetMetrics();
    const second = createFleetMetrics();
    first.jobs.inc({ queue: "stop", outcome: "completed" });

    expect(await first.registry.metrics()).toContain(
      'cml_fleet_jobs_total{queue="stop",outcome="completed"} 1',
    );
    expect(await second.registry.metrics()).not.toContain('queue="stop"');
  });

  it("adds Node's process metrics only when asked", async () => {
    expect(await createFleetMetrics().registry.metrics()).not.toContain("process_cpu_seconds_total");
    const withProcess = await createFleetMetrics({ processMetrics: true }).registry.metrics();
    expect(withProcess).toContain("process_cpu_seconds_total");
    expect(withProcess).toContain("nodejs_eventloop_lag_seconds");
  });
});
