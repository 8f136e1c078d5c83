import { observeAwsCalls } from "@cml-fleet/core/adapters/aws/aws-call-observer";
import {
  type AwsCloudProvider,
  createAwsCloudProvider,
} from "@cml-fleet/core/adapters/aws/create-aws-cloud-provider";
import type { CloudTarget } from "@cml-fleet/core/ports/cloud-provider.port";
import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/infra/logger";
import { createFleetMetrics } from "../../src/observability/fleet-metrics";
import { createUpstreamCallObserver } from "../../src/observability/upstream-call-observer";

const target: CloudTarget = { accountId: "default", region: "us-east-1" };

let sim: RunningSimulator;
let cloud: AwsCloudProvider;
const metrics = createFleetMetrics();

beforeAll(async () => {
  sim = await startSimulator({ onError: () => {} });
  cloud = createAwsCloudProvider({
    accounts: { default: {} },
    staticCredentials: { accessKeyId: "AKIDSIMULATOR", secretAccessKey: "sim-secret" },
    endpoints: { ec2: sim.url, cloudwatch: sim.url },
    maxAttempts: 1,
    logger: silentLogger,
  });
  // The observer on the adapter's own clients, as the composition root wires it.
  const observer = createUpstreamCallObserver({ metrics, tracer: trace.getTracer("test") });
  observeAwsCalls(cloud.clients.ec2(target), "ec2", observer);
  observeAwsCalls(cloud.clients.cloudwatch(target), "cloudwatch", observer);
});

afterAll(async () => {
  cloud?.close();
  await sim?.close();
});

interface ReadableMetric {
  get(): Promise<{
    values: readonly {
      labels: Partial<Record<string, string | number>>;
      value: number;
      metricName?: string;
    }[];
  }>;
}

/** A series' value; `series` picks a histogram's `_count` or `_sum`. */
async function seriesValue(
  metric: ReadableMetric,
  labels: Record<string, string>,
  series?: string,
): Promise<number | undefined> {
  const { values } = await metric.get();
  return values.find(
    (value) =>
      (series === undefined || value.metricName === series) &&
      Object.entries(labels).every(([key, expected]) => value.labels[key] === expected),
  )?.value;
}

describe("AWS calls through the real SDK, counted by the call observer", () => {
  it("counts successful and failed EC2 calls and CloudWatch calls, by command and error code", async () => {
    await cloud.describeFleet(target);
    await cloud.describeFleet(target);
    // A well-formed id EC2 does not know: the SDK call fails and the adapter throws its typed error.
    await expect(cloud.stop(target, "i-0123456789abcdef0")).rejects.toThrow(/InvalidInstanceID.NotFound/);
    const end = new Date();
    await cloud.metrics(target, ["i-0123456789abcdef0"], {
      start: new Date(end.getTime() - 600_000),
      end,
      periodSeconds: 60,
    });

    const calls = metrics.upstreamCalls;
    expect(await seriesValue(calls, { upstream: "ec2", operation: "DescribeInstances", outcome: "ok" })).toBe(
      2,
    );
    expect(await seriesValue(calls, { upstream: "ec2", operation: "StopInstances", outcome: "error" })).toBe(
      1,
    );
    expect(
      await seriesValue(metrics.upstreamCallErrors, {
        upstream: "ec2",
        operation: "StopInstances",
        code: "InvalidInstanceID.NotFound",
      }),
    ).toBe(1);
    expect(
      await seriesValue(calls, { upstream: "cloudwatch", operation: "GetMetricData", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await seriesValue(
        metrics.upstreamCallDuration,
        { upstream: "ec2", operation: "DescribeInstances" },
        "cml_fleet_upstream_call_duration_seconds_count",
      ),
    ).toBe(2);

    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'cml_fleet_upstream_calls_total{upstream="ec2",operation="DescribeInstances",outcome="ok"} 2',
    );
  });
});
