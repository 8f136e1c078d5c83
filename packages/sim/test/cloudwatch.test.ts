import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimInstanceView } from "../src/control/instance-view";
import { type RunningSimulator, startSimulator } from "../src/simulator";
import { cloudWatchClient } from "./support/aws-clients";
import { control } from "./support/control";
import { eventually } from "./support/eventually";

function query(id: string, namespace: string, metricName: string, instanceId: string): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: namespace,
        MetricName: metricName,
        Dimensions: [{ Name: "InstanceId", Value: instanceId }],
      },
      Period: 60,
      Stat: "Average",
    },
  };
}

describe("CloudWatch through the AWS SDK (JSON 1.0, query-compatible)", () => {
  let sim: RunningSimulator;
  let cloudWatch: CloudWatchClient;
  let idle: SimInstanceView;
  let busy: SimInstanceView;
  let stopped: SimInstanceView;

  beforeAll(async () => {
    sim = await startSimulator({ bootDelayMs: 50, stopDelayMs: 50 });
    cloudWatch = cloudWatchClient(sim.url);
    idle = await control(sim.url, "POST", "/_sim/instances", { region: "us-east-1" });
    busy = await control(sim.url, "POST", "/_sim/instances", {
      region: "us-east-1",
      instanceType: "m5zn.metal",
    });
    stopped = await control(sim.url, "POST", "/_sim/instances", { region: "us-east-1" });
    await eventually(async () => {
      const all = await control<SimInstanceView[]>(sim.url, "GET", "/_sim/instances");
      return all.every((instance) => instance.state === "running") ? true : undefined;
    });
    await control(sim.url, "PATCH", `/_sim/instances/${busy.instanceId}/cml`, { runningNodes: 12 });
    sim.state.lifecycle.stop(sim.state.store.get(stopped.instanceId) ?? expect.unreachable());
  });

  afterAll(async () => {
    cloudWatch.destroy();
    await sim.close();
  });

  it("returns series from the instances' load: idle low, busy higher, stopped none", async () => {
    const end = new Date(Date.now() + 60_000);
    const start = new Date(Date.now() - 30 * 60_000);
    const result = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        MetricDataQueries: [
          query("idle_cpu", "AWS/EC2", "CPUUtilization", idle.instanceId),
          query("busy_cpu", "AWS/EC2", "CPUUtilization", busy.instanceId),
          query("busy_mem", "CWAgent", "mem_used_percent", busy.instanceId),
          query("busy_in", "AWS/EC2", "NetworkIn", busy.instanceId),
          query("stopped_cpu", "AWS/EC2", "CPUUtilization", stopped.instanceId),
        ],
      }),
    );
    const byId = new Map(result.MetricDataResults?.map((series) => [series.Id, series]));
    const idleCpu = byId.get("idle_cpu")?.Values ?? [];
    expect(idleCpu.length).toBeGreaterThan(0);
    expect(idleCpu.every((value) => value >= 1 && value <= 3)).toBe(true);
    expect(byId.get("idle_cpu")?.Timestamps?.[0]).toBeInstanceOf(Date);
    expect(byId.get("busy_cpu")?.Values?.[0]).toBeGreaterThan(10);
    expect(byId.get("busy_mem")?.Values?.[0]).toBeGreaterThan(20);
    expect(byId.get("busy_in")?.Values?.[0]).toBeGreaterThan(1_000_000);
    expect(byId.get("stopped_cpu")?.Values).toEqual([]);
    expect(byId.get("stopped_cpu")?.StatusCode).toBe("Complete");
  });

  it("stores PutMetricData series and returns them", async () => {
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    await cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: "CMLFleet",
        MetricData: [
          {
            MetricName: "RunningNodes",
            Dimensions: [{ Name: "WorkerId", Value: "w-1" }],
            Value: 7,
            Unit: "Count",
            Timestamp: at,
          },
        ],
      }),
    );
    const result = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(at.getTime() - 60_000),
        EndTime: new Date(at.getTime() + 120_000),
        MetricDataQueries: [
          {
            Id: "nodes",
            MetricStat: {
              Metric: {
                Namespace: "CMLFleet",
                MetricName: "RunningNodes",
                Dimensions: [{ Name: "WorkerId", Value: "w-1" }],
              },
              Period: 60,
              Stat: "Maximum",
            },
          },
        ],
      }),
    );
    expect(result.MetricDataResults?.[0]?.Values).toEqual([7]);
    expect(result.MetricDataResults?.[0]?.Timestamps).toEqual([at]);
  });

  it("accepts the gzip-compressed bodies the SDK sends for large PutMetricData calls", async () => {
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const data = Array.from({ length: 400 }, (_, index) => ({
      MetricName: "CpuPercent",
      Dimensions: [{ Name: "WorkerId", Value: `worker-with-a-long-identifier-${index}` }],
      Value: index,
      Unit: "Percent" as const,
      Timestamp: at,
    }));
    await cloudWatch.send(new PutMetricDataCommand({ Namespace: "CMLFleet", MetricData: data }));
    const result = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(at.getTime() - 60_000),
        EndTime: new Date(at.getTime() + 120_000),
        MetricDataQueries: [
          {
            Id: "last",
            MetricStat: {
              Metric: {
                Namespace: "CMLFleet",
                MetricName: "CpuPercent",
                Dimensions: [{ Name: "WorkerId", Value: "worker-with-a-long-identifier-399" }],
              },
              Period: 60,
              Stat: "Average",
            },
          },
        ],
      }),
    );
    expect(result.MetricDataResults?.[0]?.Values).toEqual([399]);
  });

  it("refuses more than 500 queries with a ValidationError", async () => {
    const queries = Array.from({ length: 501 }, (_, index) =>
      query(`q${index}`, "AWS/EC2", "CPUUtilization", idle.instanceId),
    );
    await expect(
      cloudWatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(Date.now() - 600_000),
          EndTime: new Date(),
          MetricDataQueries: queries,
        }),
      ),
    ).rejects.toMatchObject({
      name: "ValidationException",
      Code: "ValidationError",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("throttles and fails on injected faults, and counts calls", async () => {
    await control(sim.url, "PUT", "/_sim/faults", { throttleRate: 1 });
    const call = () =>
      cloudWatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(Date.now() - 600_000),
          EndTime: new Date(),
          MetricDataQueries: [query("a", "AWS/EC2", "CPUUtilization", idle.instanceId)],
        }),
      );
    await expect(call()).rejects.toMatchObject({ name: "Throttling", Code: "Throttling" });
    // The SDK classifies it as throttling and retries it (what lets adaptive retry absorb bursts).
    const retrying = cloudWatchClient(sim.url, "us-east-1", 2);
    await expect(
      retrying.send(
        new GetMetricDataCommand({
          StartTime: new Date(Date.now() - 600_000),
          EndTime: new Date(),
          MetricDataQueries: [query("a", "AWS/EC2", "CPUUtilization", idle.instanceId)],
        }),
      ),
    ).rejects.toMatchObject({ name: "Throttling", $metadata: { attempts: 2 } });
    retrying.destroy();
    await control(sim.url, "PUT", "/_sim/faults", { throttleRate: 0, denyActions: ["GetMetricData"] });
    await expect(call()).rejects.toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    await control(sim.url, "PUT", "/_sim/faults", { denyActions: [] });
    await expect(call()).resolves.toBeDefined();
    const stats = await control<{ cloudwatch: Record<string, number> }>(sim.url, "GET", "/_sim/stats");
    expect(stats.cloudwatch.GetMetricData).toBeGreaterThanOrEqual(7);
    expect(stats.cloudwatch.PutMetricData).toBe(2);
  });
});
