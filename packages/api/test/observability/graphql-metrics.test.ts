import type { WorkerStatus } from "@cml-fleet/core/domain/worker-status";
import { createFleetGaugeRefresher } from "@cml-fleet/platform/observability/fleet-gauges";
import { createFleetMetrics } from "@cml-fleet/platform/observability/fleet-metrics";
import { createUpstreamCallObserver } from "@cml-fleet/platform/observability/upstream-call-observer";
import { createWorkerRepository } from "@cml-fleet/platform/repositories/worker.repository";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capturingLogger, type LogLine } from "../../../platform/test/support/capturing-logger";
import { useTestDatabase } from "../../../platform/test/support/use-test-database";
import { aWorker } from "../support/worker-factory";
import { type ObservedYoga, startObservedYoga } from "./support/observed-yoga";

const {
  logger,
  lines: logLines,
  raw: rawLines,
} = capturingLogger<LogLine & { readonly requestId?: string }>();

const PRICES = {
  current: async () => ({
    configured: {
      hourlyUsd: { "c5.2xlarge": 0.5 },
      regionalHourlyUsd: { "eu-west-1": { "c5.2xlarge": 0.75 } },
    },
    live: null,
  }),
};

const metrics = createFleetMetrics();
const testDb = useTestDatabase("observability");
let server: ObservedYoga;

beforeAll(async () => {
  const workers = createWorkerRepository(testDb.db);
  const fleet: [WorkerStatus, string][] = [
    ["RUNNING", "us-east-1"],
    ["RUNNING", "eu-west-1"],
    ["PENDING", "us-east-1"],
    ["STOPPED", "us-east-1"],
    ["TERMINATED", "us-east-1"],
  ];
  for (const [n, [status, region]] of fleet.entries()) {
    await workers.insert(aWorker({ status, region, instanceType: "c5.2xlarge" }, n), []);
  }
  const tracer = trace.getTracer("test");
  server = await startObservedYoga({
    metrics,
    tracer,
    logger,
    observer: createUpstreamCallObserver({ metrics, tracer }),
    beforeScrape: createFleetGaugeRefresher({ metrics, readModel: workers, prices: PRICES, logger }),
  });
});

afterAll(async () => {
  await server?.close();
});

async function totalOf(metric: { get(): Promise<{ values: readonly { value: number }[] }> }) {
  const { values } = await metric.get();
  return values.reduce((sum, value) => sum + value.value, 0);
}

describe("/metrics after GraphQL requests", () => {
  it("counts operations by name and outcome, errors by code, and HTTP requests", async () => {
    expect((await server.graphql({ query: "query Hello { hello }" })).body).toEqual({
      data: { hello: "world" },
    });
    await server.graphql({ query: "query Missing { missing }" });
    await server.graphql({ query: "mutation Crash { crash }" });
    // A fourth name is past the test's limit of three: it is reported as `other`.
    const invalid = await server.graphql({ query: "query Bad { nope }" });
    expect(JSON.stringify(invalid.body)).toContain("nope");

    const text = await server.scrape();
    const operations = "cml_fleet_graphql_operations_total";
    expect(text).toContain(`${operations}{operation_type="query",operation_name="Hello",outcome="ok"} 1`);
    expect(text).toContain(
      `${operations}{operation_type="query",operation_name="Missing",outcome="error"} 1`,
    );
    expect(text).toContain(
      `${operations}{operation_type="mutation",operation_name="Crash",outcome="error"} 1`,
    );
    expect(text).toContain(
      `${operations}{operation_type="query",operation_name="other",outcome="invalid"} 1`,
    );
    const errors = "cml_fleet_graphql_errors_total";
    expect(text).toContain(`${errors}{operation_type="query",operation_name="Missing",code="NOT_FOUND"} 1`);
    expect(text).toContain(
      `${errors}{operation_type="mutation",operation_name="Crash",code="INTERNAL_SERVER_ERROR"} 1`,
    );
    expect(text).toContain(
      'cml_fleet_graphql_operation_duration_seconds_count{operation_type="query",operation_name="Hello"} 1',
    );
    expect(text).toContain(
      'cml_fleet_upstream_calls_total{upstream="ec2",operation="DescribeInstances",outcome="ok"} 1',
    );
    expect(await totalOf(metrics.httpRequests)).toBe(4);
    expect(text).toMatch(/cml_fleet_http_requests_total\{method="POST",status="200"\} [1-4]/);
  });

  it("logs each operation under its request id: mutations and failures at info, queries at debug", () => {
    const operations = logLines.filter((line) => line.msg === "graphql operation");
    expect(operations.map((line) => [line.operationName, line.outcome, line.level])).toEqual([
      ["Hello", "ok", 20],
      ["Missing", "error", 30],
      ["Crash", "error", 30],
    ]);
    expect(operations.map((line) => line.requestId)).toEqual(["req-1", "req-2", "req-3"]);
    expect(operations[1]).toMatchObject({ errorCodes: ["NOT_FOUND"] });
    // What a service logs while the operation runs carries the request id too, once.
    const serviceLine = logLines.find((line) => line.msg === "saying hello");
    expect(serviceLine?.requestId).toBe("req-1");
    // The request's child logger already binds it: the log context does not write it a second time.
    const keyCounts = rawLines
      .filter((line) => line.includes('"graphql operation"') || line.includes('"saying hello"'))
      .map((line) => line.split('"requestId"').length - 1);
    expect(keyCounts).toEqual([1, 1, 1, 1]);
  });

  it("reads the fleet gauges from the database in one statement per scrape", async () => {
    const statements = await testDb.recordStatements(() => server.scrape());
    expect(statements).toHaveLength(1);

    const text = await server.scrape();
    expect(text).toContain('cml_fleet_workers{status="RUNNING"} 2');
    expect(text).toContain('cml_fleet_workers{status="PENDING"} 1');
    expect(text).toContain('cml_fleet_workers{status="STOPPED"} 1');
    expect(text).toContain('cml_fleet_workers{status="TERMINATED"} 1');
    expect(text).toContain('cml_fleet_workers{status="FAILED"} 0');
    // Billed: two RUNNING (0.50 in us-east-1, 0.75 by the eu-west-1 override) and one PENDING (0.50).
    expect(text).toContain("cml_fleet_hourly_cost_usd 1.75");
  });
});
