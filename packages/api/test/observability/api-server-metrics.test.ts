import { createObservability } from "@cml-fleet/platform/observability/observability";
import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { gql } from "../graphql/support/graphql-client";
import { useTestFleet } from "../graphql/support/test-fleet";
import { anEvent, aWorker } from "../support/worker-factory";

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

  it("reads idle-warned workers, license statuses and the queues at each scrape", async () => {
    const at = new Date();
    const warned = aWorker({
      status: "RUNNING",
      license: { status: "EXPIRED", nodeLimit: null, nodesInUse: null, checkedAt: at },
      idle: { ...aWorker().idle, idleSince: at, warnedAt: at },
    });
    const gone = aWorker({
      status: "TERMINATED",
      license: { status: "INVALID", nodeLimit: null, nodesInUse: null, checkedAt: at },
      idle: { ...aWorker().idle, idleSince: at, warnedAt: at },
    });
    for (const worker of [warned, gone]) {
      await fleet.workers.insert(worker, [anEvent({ workerId: worker.id, at })]);
    }
    const text = await (await fetch(`${api.origin}/metrics`)).text();
    // A terminated worker is neither warned nor licensed any more.
    expect(text).toContain("cml_fleet_workers_idle_warned 1");
    expect(text).toContain('cml_fleet_workers_license{status="EXPIRED"} 1');
    expect(text).toContain('cml_fleet_workers_license{status="INVALID"} 0');
    expect(text).toContain('cml_fleet_queue_jobs{kind="provision",state="waiting"} 0');
    expect(text).toContain("cml_fleet_job_processes 0");
  });
});
