import {
  type AwsCloudProvider,
  createAwsCloudProvider,
} from "@cml-fleet/core/adapters/aws/create-aws-cloud-provider";
import { createCmlClient, type HttpCmlClient } from "@cml-fleet/core/adapters/cml/create-cml-client";
import type { CloudTarget } from "@cml-fleet/core/ports/cloud-provider.port";
import type { CmlEndpoint } from "@cml-fleet/core/ports/cml-client.port";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { createObservability } from "@cml-fleet/platform/observability/observability";
import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const target: CloudTarget = { accountId: "default", region: "us-east-1" };
const CML_USER = "fleet";
const CML_PASSWORD = "sim-password";

let sim: RunningSimulator;
let cloud: AwsCloudProvider;
let cml: HttpCmlClient;
const { metrics, callObserver } = createObservability({ tracer: trace.getTracer("test") });

beforeAll(async () => {
  sim = await startSimulator({
    bootDelayMs: 50,
    cmlReadyDelayMs: 50,
    cmlUsername: CML_USER,
    cmlPassword: CML_PASSWORD,
    onError: () => {},
  });
  // The adapters as the composition root builds them: the observer is an option of each.
  cloud = createAwsCloudProvider({
    accounts: { default: {} },
    staticCredentials: { accessKeyId: "AKIDSIMULATOR", secretAccessKey: "sim-secret" },
    endpoints: { ec2: sim.url, cloudwatch: sim.url },
    maxAttempts: 1,
    logger: silentLogger,
    observer: callObserver,
  });
  cml = createCmlClient({
    username: CML_USER,
    password: CML_PASSWORD,
    tls: { verify: false },
    requestTimeoutMs: 10_000,
    logger: silentLogger,
    observer: callObserver,
  });
});

afterAll(async () => {
  cloud?.close();
  cml?.close();
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

/** Booting a simulated instance and its CML takes a moment. */
const PATIENCE = { timeout: 30_000, interval: 50 };

describe("AWS and CML calls through the real adapters, counted by the call observer", () => {
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

  it("counts CML requests by route, with lab ids folded and HTTP errors by status", async () => {
    const response = await fetch(`${sim.url}/_sim/instances`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tags: { "cml-fleet:managed": "true" }, region: target.region }),
    });
    const { instanceId } = (await response.json()) as { instanceId: string };
    const publicIp = await vi.waitFor(async () => {
      const instance = await cloud.describe(target, instanceId);
      expect(instance).toMatchObject({ state: "running", publicIp: expect.any(String) });
      return instance?.publicIp ?? expect.unreachable();
    }, PATIENCE);
    const endpoint: CmlEndpoint = { workerId: "w-obs", baseUrl: `https://${publicIp}:${sim.cmlPort}` };
    await expect.poll(async () => (await cml.systemInformation(endpoint)).ready, PATIENCE).toBe(true);

    await cml.labs(endpoint);
    await expect(cml.stopLab(endpoint, "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0")).rejects.toThrow();

    const calls = metrics.upstreamCalls;
    expect(
      await seriesValue(calls, { upstream: "cml", operation: "POST /auth_extended", outcome: "ok" }),
    ).toBe(1);
    expect(await seriesValue(calls, { upstream: "cml", operation: "GET /labs", outcome: "ok" })).toBe(1);
    expect(
      await seriesValue(calls, { upstream: "cml", operation: "GET /system_information", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await seriesValue(metrics.upstreamCallErrors, {
        upstream: "cml",
        operation: "PUT /labs/:id/stop",
        code: "http_404",
      }),
    ).toBe(1);
  });
});
