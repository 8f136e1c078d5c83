import { createObservability } from "@cml-fleet/platform/observability/observability";
import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { gql } from "../graphql/support/graphql-client";
import { useTestFleet } from "../graphql/support/test-fleet";

const observability = createObservability({ tracer: trace.getTracer("test") });
const { fleet, api } = useTestFleet("obs_api", { api: { observability } });

describe("the API server's /metrics", () => {
  it("answers a scrape with the GraphQL operations served and the fleet gauges", async () => {
    const summary = await gql<{ fleetSummary: { total: number } }>(
      api.url,
      "query Summary { fleetSummary { total } }",
      { token: fleet.tokens.VIEWER },
    );
    expect(summary.errors).toEqual([]);
    const refused = await gql(api.url, "query Summary { fleetSummary { total } }", { token: null });
    expect(refused.errors.length).toBeGreaterThan(0);

    const response = await fetch(`${api.origin}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain(
      'cml_fleet_graphql_operations_total{operation_type="query",operation_name="Summary",outcome="ok"} 1',
    );
    expect(text).toContain(
      'cml_fleet_graphql_operations_total{operation_type="query",operation_name="Summary",outcome="error"} 1',
    );
    expect(text).toMatch(/cml_fleet_http_requests_total\{method="POST",status="200"\} [12]/);
    expect(text).toContain('cml_fleet_workers{status="RUNNING"} 0');
    expect(text).toContain("cml_fleet_hourly_cost_usd 0");
  });
});
