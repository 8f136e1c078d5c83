import { describe, expect, it } from "vitest";
import { watchCmlClientLoad } from "./cml-client-gauges";
import { createFleetMetrics } from "./fleet-metrics";

const gaugeValue = async (registry: ReturnType<typeof createFleetMetrics>["registry"], name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values[0]?.value;

describe("watchCmlClientLoad", () => {
  it("reads the CML client's load at each scrape, from the last reader registered", async () => {
    const { registry } = createFleetMetrics();
    let load = { inFlight: 3, queued: 10, idleConnections: 40 };
    watchCmlClientLoad(registry, () => load);
    expect(await gaugeValue(registry, "cml_fleet_cml_requests_in_flight")).toBe(3);
    expect(await gaugeValue(registry, "cml_fleet_cml_requests_queued")).toBe(10);
    expect(await gaugeValue(registry, "cml_fleet_cml_idle_connections")).toBe(40);

    load = { inFlight: 0, queued: 0, idleConnections: 41 };
    expect(await gaugeValue(registry, "cml_fleet_cml_requests_in_flight")).toBe(0);
    // A second registration on the same registry (a restarted job process in one Node process) replaces the reader.
    watchCmlClientLoad(registry, () => ({ inFlight: 7, queued: 1, idleConnections: 2 }));
    expect(await gaugeValue(registry, "cml_fleet_cml_requests_in_flight")).toBe(7);
    expect((await registry.metrics()).match(/^cml_fleet_cml_requests_in_flight /gm)).toHaveLength(1);
  });
});
