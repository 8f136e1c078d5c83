import { GetMetricDataCommand, type MetricDataQuery, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { SimInstanceView } from "../src/control/instance-view";
import { cloudWatchClient } from "./support/aws-clients";
import { control } from "./support/control";
import { PATIENCE, useSimulator } from "./support/simulator";

function query(
  id: string,
  namespace: string,
  metricName: string,
  dimension: { Name: string; Value: string },
  stat = "Average",
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: namespace, MetricName: metricName, Dimensions: [dimension] },
      Period: 60,
      Stat: stat,
    },
  };
}

const onInstance = (instanceId: string) => ({ Name: "InstanceId", Value: instanceId });
const onWorker = (workerId: string) => ({ Name: "WorkerId", Value: workerId });

/** The last ten minutes, what the fault tests ask for. */
function recentCpu(instanceId: string): GetMetricDataCommand {
  return new GetMetricDataCommand({
    StartTime: new Date(Date.now() - 600_000),
    EndTime: new Date(),
    MetricDataQueries: [query("a", "AWS/EC2", "CPUUtilization", onInstance(instanceId))],
  });
}

describe("CloudWatch through the AWS SDK (JSON 1.0, query-compatible)", () => {
  const suite = useSimulator({ bootDelayMs: 50, stopDelayMs: 50 });
  let idle: SimInstanceView;
  let busy: SimInstanceView;
  let stopped: SimInstanceView;

  beforeAll(async () => {
    const { sim } = suite;
    idle = await control(sim.url, "POST", "/_sim/instances", { region: "us-east-1" });
    busy = await control(sim.url, "POST", "/_sim/instances", {
      region: "us-east-1",
      instanceType: "m5zn.metal",
    });
    stopped = await control(sim.url, "POST", "/_sim/instances", { region: "us-east-1" });
    await vi.waitFor(async () => {
      const all = await control<SimInstanceView[]>(sim.url, "GET", "/_sim/instances");
      expect(all.every((instance) => instance.state === "running")).toBe(true);
    }, PATIENCE);
    await control(sim.url, "PATCH", `/_sim/instances/${busy.instanceId}/cml`, { runningNodes: 12 });
    sim.state.lifecycle.stop(sim.state.store.get(stopped.instanceId) ?? expect.unreachable());
  });

  /** The one series of `query` in the minutes around `at` (a minute's start). */
  async function seriesAround(at: Date, metricQuery: MetricDataQuery) {
    const result = await suite.cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(at.getTime() - 60_000),
        EndTime: new Date(at.getTime() + 120_000),
        MetricDataQueries: [metricQuery],
      }),
    );
    return result.MetricDataResults?.[0];
  }

  it("returns series from the instances' load: idle low, busy higher, stopped none", async () => {
    const end = new Date(Date.now() + 60_000);
    const start = new Date(Date.now() - 30 * 60_000);
    const result = await suite.cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        MetricDataQueries: [
          query("idle_cpu", "AWS/EC2", "CPUUtilization", onInstance(idle.instanceId)),
          query("busy_cpu", "AWS/EC2", "CPUUtilization", onInstance(busy.instanceId)),
          query("busy_mem", "CWAgent", "mem_used_percent", onInstance(busy.instanceId)),
          query("busy_in", "AWS/EC2", "NetworkIn", onInstance(busy.instanceId)),
          query("stopped_cpu", "AWS/EC2", "CPUUtilization", onInstance(stopped.instanceId)),
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
    await suite.cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: "CMLFleet",
        MetricData: [
          {
            MetricName: "RunningNodes",
            Dimensions: [onWorker("w-1")],
            Value: 7,
            Unit: "Count",
            Timestamp: at,
          },
        ],
      }),
    );
    const series = await seriesAround(
      at,
      query("nodes", "CMLFleet", "RunningNodes", onWorker("w-1"), "Maximum"),
    );
    expect(series?.Values).toEqual([7]);
    expect(series?.Timestamps).toEqual([at]);
  });

  it("accepts the gzip-compressed bodies the SDK sends for large PutMetricData calls", async () => {
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const data = Array.from({ length: 400 }, (_, index) => ({
      MetricName: "CpuPercent",
      Dimensions: [onWorker(`worker-with-a-long-identifier-${index}`)],
      Value: index,
      Unit: "Percent" as const,
      Timestamp: at,
    }));
    await suite.cloudWatch.send(new PutMetricDataCommand({ Namespace: "CMLFleet", MetricData: data }));
    const series = await seriesAround(
      at,
      query("last", "CMLFleet", "CpuPercent", onWorker("worker-with-a-long-identifier-399")),
    );
    expect(series?.Values).toEqual([399]);
  });

  it("refuses more than 500 queries with a ValidationError", async () => {
    const queries = Array.from({ length: 501 }, (_, index) =>
      query(`q${index}`, "AWS/EC2", "CPUUtilization", onInstance(idle.instanceId)),
    );
    await expect(
      suite.cloudWatch.send(
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
    const { sim, cloudWatch } = suite;
    await control(sim.url, "PUT", "/_sim/faults", { throttleRate: 1 });
    const call = () => cloudWatch.send(recentCpu(idle.instanceId));
    await expect(call()).rejects.toMatchObject({ name: "Throttling", Code: "Throttling" });
    // The SDK classifies it as throttling and retries it (what lets adaptive retry absorb bursts).
    const retrying = cloudWatchClient(sim.url, "us-east-1", 2);
    await expect(retrying.send(recentCpu(idle.instanceId))).rejects.toMatchObject({
      name: "Throttling",
      $metadata: { attempts: 2 },
    });
    retrying.destroy();
    await control(sim.url, "PUT", "/_sim/faults", { throttleRate: 0, denyActions: ["GetMetricData"] });
    await expect(call()).rejects.toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    await control(sim.url, "PUT", "/_sim/faults", { denyActions: [] });
    await expect(call()).resolves.toBeDefined();
    const stats = await control<{ cloudwatch: Record<string, number> }>(sim.url, "GET", "/_sim/stats");
    expect(stats.cloudwatch.GetMetricData).toBeGreaterThanOrEqual(7);
    expect(stats.cloudwatch.PutMetricData).toBe(2);
  });

  it("counts the billable units: metrics of answered calls, PutMetricData calls and distinct series", async () => {
    const { sim, cloudWatch } = suite;
    await control(sim.url, "DELETE", "/_sim/stats");
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 600_000),
        EndTime: new Date(),
        MetricDataQueries: [
          query("cpu", "AWS/EC2", "CPUUtilization", onInstance(idle.instanceId)),
          query("net", "AWS/EC2", "NetworkIn", onInstance(idle.instanceId)),
          { ...query("hidden", "AWS/EC2", "NetworkOut", onInstance(idle.instanceId)), ReturnData: false },
        ],
      }),
    );
    // A refused call is not billed.
    await control(sim.url, "PUT", "/_sim/faults", { denyActions: ["GetMetricData"] });
    await expect(cloudWatch.send(recentCpu(idle.instanceId))).rejects.toMatchObject({ name: "AccessDenied" });
    await control(sim.url, "PUT", "/_sim/faults", { denyActions: [] });
    const datum = (workerId: string, value: number) => ({
      MetricName: "RunningNodes",
      Dimensions: [onWorker(workerId)],
      Value: value,
      Timestamp: at,
    });
    await cloudWatch.send(
      new PutMetricDataCommand({ Namespace: "CMLFleet", MetricData: [datum("w-a", 1), datum("w-b", 2)] }),
    );
    await cloudWatch.send(new PutMetricDataCommand({ Namespace: "CMLFleet", MetricData: [datum("w-a", 3)] }));
    const stats = await control<{ cloudwatchBilling: Record<string, number> }>(sim.url, "GET", "/_sim/stats");
    expect(stats.cloudwatchBilling).toEqual({
      metricsRequested: 3,
      putMetricDataRequests: 2,
      customMetricSeries: 2,
    });
    await control(sim.url, "DELETE", "/_sim/stats");
    const cleared = await control<{ cloudwatchBilling: Record<string, number> }>(
      sim.url,
      "GET",
      "/_sim/stats",
    );
    expect(cleared.cloudwatchBilling).toEqual({
      metricsRequested: 0,
      putMetricDataRequests: 0,
      customMetricSeries: 0,
    });
  });
});
