import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AwsCloudProvider } from "../../src/adapters/aws/create-aws-cloud-provider";
import { CloudError } from "../../src/errors";
import type { CloudTarget, CustomMetricDatum } from "../../src/ports/cloud-provider.port";
import { PATIENCE, simControl } from "../support/sim-support";
import { simAwsProvider } from "../support/simulated-aws";

const target: CloudTarget = { accountId: "default", region: "us-east-1" };

let sim: RunningSimulator;
let control: ReturnType<typeof simControl>;
let aws: AwsCloudProvider;
let instanceIds: string[];

beforeAll(async () => {
  sim = await startSimulator({ bootDelayMs: 50, stopDelayMs: 50 });
  control = simControl(sim);
  aws = simAwsProvider(sim, {
    metricNames: ["cpu", "networkIn"],
    maxAttempts: 3,
    requestTimeoutMs: undefined,
  });
  instanceIds = (await control.seed(600, { "cml-fleet:managed": "true" })).map(
    (instance) => instance.instanceId,
  );
  await vi.waitFor(
    async () => {
      const fleet = await aws.describeFleet(target);
      expect(fleet.filter((instance) => instance.state === "running")).toHaveLength(600);
    },
    { ...PATIENCE, timeout: 60_000 },
  );
}, 120_000);

afterAll(async () => {
  aws.close();
  await sim.close();
});

function window() {
  const end = new Date();
  return { start: new Date(end.getTime() - 10 * 60_000), end, periodSeconds: 60 };
}

describe("CloudWatch through the AWS cloud provider", () => {
  it("reads 600 instances x 2 metrics in 3 GetMetricData calls, latest value per series", async () => {
    await control.resetStats();
    const metrics = await aws.metrics(target, instanceIds, window());
    expect((await control.stats()).cloudwatch.GetMetricData).toBe(3);
    expect(metrics.size).toBe(600);
    for (const id of instanceIds) {
      const values = metrics.get(id);
      expect(values?.cpuPercent).toEqual(expect.any(Number));
      expect(values?.networkInBytes).toEqual(expect.any(Number));
      // Not asked for: stays null rather than costing queries.
      expect(values?.memoryPercent).toBeNull();
      expect(values?.networkOutBytes).toBeNull();
    }
  });

  it("gives null metrics for an instance CloudWatch has no data for", async () => {
    const metrics = await aws.metrics(target, ["i-0123456789abcdef0"], window());
    expect(metrics.get("i-0123456789abcdef0")).toEqual({
      cpuPercent: null,
      memoryPercent: null,
      networkInBytes: null,
      networkOutBytes: null,
    });
  });

  it("publishes custom metrics in batches of at most 1000 datums", async () => {
    const at = new Date();
    const data: CustomMetricDatum[] = Array.from({ length: 2_500 }, (_, index) => ({
      name: "RunningNodes",
      dimensions: { WorkerId: `worker-${index}` },
      value: index % 7,
      unit: "Count",
      at,
    }));
    await control.resetStats();
    await aws.publishMetrics(target, "CmlFleet", data);
    expect((await control.stats()).cloudwatch.PutMetricData).toBe(3);
  });

  it("maps CloudWatch errors to typed cloud errors", async () => {
    const strict = simAwsProvider(sim, { requestTimeoutMs: undefined });
    try {
      await control.faults({ denyActions: ["GetMetricData"] });
      const denied = await aws
        .metrics(target, instanceIds.slice(0, 1), window())
        .catch((error: unknown) => error);
      expect(denied).toBeInstanceOf(CloudError);
      expect(denied).toMatchObject({ kind: "permission-denied", upstream: "cloudwatch" });
      expect((denied as CloudError).requestId).toEqual(expect.any(String));

      await control.faults({ denyActions: [], throttleRate: 1 });
      const throttled = await strict
        .metrics(target, instanceIds.slice(0, 1), window())
        .catch((error: unknown) => error);
      expect(throttled).toMatchObject({ kind: "throttled", retryable: true });

      await control.faults({ throttleRate: 0 });
      const invalid = await strict
        .publishMetrics(target, "AWS/EC2", [
          { name: "x", dimensions: {}, value: 1, unit: "None", at: new Date() },
        ])
        .catch((error: unknown) => error);
      expect(invalid).toMatchObject({ kind: "invalid-parameter", upstream: "cloudwatch" });
    } finally {
      await control.faults({ denyActions: [], throttleRate: 0 });
      strict.close();
    }
  });
});
