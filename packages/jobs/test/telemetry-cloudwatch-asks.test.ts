import { createAwsCloudProvider } from "@cml-fleet/core/adapters/aws/create-aws-cloud-provider";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import {
  createTelemetrySweepService,
  type TelemetrySweepService,
} from "@cml-fleet/core/services/telemetry-sweep.service";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { createRedisEventPublisher } from "@cml-fleet/platform/pubsub/redis-event-publisher";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FleetHarness, useHarness } from "./support/fleet-harness";
import { runningWorkers, simCmlClient } from "./support/shard-sweep-fixture";

/**
 * Issue 19: the sweep asks CloudWatch for a running worker's metrics only when CML could not give its CPU and
 * memory at the last sweep and a new datapoint can exist (every 5 minutes with basic monitoring, every minute
 * with detailed). The sweeps run in this process on an injected clock, a minute apart, against the simulator's
 * EC2, CloudWatch and CML over HTTP and the harness's Postgres; the simulator counts the metrics requested.
 */

/** The metrics the AWS adapter asks CloudWatch for, one query per instance and metric. */
const METRICS = 4;
const MINUTE_MS = 60_000;
const UNCONFIRMED = { confirmed: false, certificateFingerprint: null, rejectedFingerprint: null };

interface SimStats {
  readonly cloudwatch: Record<string, number>;
  readonly cloudwatchBilling: { readonly metricsRequested: number };
}

/** A clock the test moves: the sweep's instants, and so when a datapoint can be new. */
class SteppedClock implements Clock {
  private current = Date.now() + MINUTE_MS;
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * `count` running, AVAILABLE workers (see runningWorkers). `cmlLooked: false` makes them instances imported by
 * reconciliation and not yet confirmed: their CML is not asked and nothing is known of it, so CloudWatch is their
 * only source (as for a worker whose CML does not answer, without a thousand failing CML looks a sweep).
 */
function workersOf(
  fleet: FleetHarness,
  count: number,
  options: { detailedMonitoring: boolean; cmlLooked: boolean },
): Promise<Worker[]> {
  return runningWorkers(fleet, count, options.cmlLooked ? {} : { cmlTrust: UNCONFIRMED }, {
    detailedMonitoring: options.detailedMonitoring,
  });
}

describe("the telemetry sweep asks CloudWatch only for what is new", () => {
  const fleet = useHarness("cloudwatch-asks", { jobWorkers: false });
  const clock = new SteppedClock();
  let service: TelemetrySweepService;
  let close = () => {};

  beforeAll(() => {
    const cloud = createAwsCloudProvider({
      accounts: { [fleet.settings.aws.defaultAccount]: {} },
      staticCredentials: { accessKeyId: "sim", secretAccessKey: "sim" },
      endpoints: { ec2: fleet.sim.url, cloudwatch: fleet.sim.url },
      maxAttempts: 3,
      logger: silentLogger,
    });
    const cml = simCmlClient(fleet);
    service = createTelemetrySweepService({
      workers: fleet.workers,
      publisher: createRedisEventPublisher(fleet.pubsub),
      clock,
      logger: silentLogger,
      cloud,
      cml,
      sweep: {
        cmlApiPort: fleet.sim.cmlPort,
        cmlConcurrency: 32,
        perWorkerTimeoutMs: 10_000,
        // The simulator's datapoints end at its own (real) time; the window reaches back to it however far the
        // test's clock has run ahead (at most a quarter of an hour here).
        metricWindowMs: 30 * MINUTE_MS,
        metricPeriodSeconds: 60,
        retentionMs: null,
        shardSize: 500,
      },
    });
    close = () => {
      cloud.close();
      cml.close();
    };
  });
  afterAll(() => close());

  /** Takes a test's workers out of the later tests' CloudWatch questions: their instances no longer run. */
  async function retire(workers: readonly Worker[]): Promise<void> {
    for (const worker of workers) {
      await fleet.simJson(`/_sim/instances/${worker.instanceId}/terminate`, { method: "POST" });
    }
  }

  async function billing(): Promise<SimStats> {
    return fleet.simJson<SimStats>("/_sim/stats");
  }

  /** Sweeps `count` times a minute apart; `after` sees each sweep's instant and minute (the first is 0). */
  async function sweepEveryMinute(
    count: number,
    after: (at: Date, minute: number) => Promise<void> = async () => {},
  ) {
    for (let minute = 0; minute < count; minute++) {
      // A minute past the last test's sweeps too, whose workers are retired.
      clock.advance(MINUTE_MS);
      const summary = await service.sweep();
      expect(summary.failedTargets).toEqual([]);
      await after(clock.now(), minute);
    }
  }

  it("asks for a detailed-monitoring worker every minute and a basic one every five, and an unreachable worker shows CloudWatch's figures", {
    timeout: 120_000,
  }, async () => {
    const [detailed] = await workersOf(fleet, 1, { detailedMonitoring: true, cmlLooked: true });
    const [basic] = await workersOf(fleet, 1, { detailedMonitoring: false, cmlLooked: true });
    if (detailed === undefined || basic === undefined) {
      throw new Error("no workers");
    }
    // Both CMLs refuse connections: CloudWatch is the only source of their CPU and memory.
    for (const worker of [detailed, basic]) {
      await fleet.simJson(`/_sim/instances/${worker.instanceId}/cml`, {
        method: "PATCH",
        body: JSON.stringify({ reachable: false }),
      });
    }
    await fleet.simJson("/_sim/stats", { method: "DELETE" });
    const asked = { detailed: [] as number[], basic: [] as number[] };
    const sweeps = 11;
    await sweepEveryMinute(sweeps, async (at, minute) => {
      for (const [kind, worker] of [
        ["detailed", detailed],
        ["basic", basic],
      ] as const) {
        const telemetry = (await fleet.workers.findById(worker.id))?.telemetry;
        expect(telemetry?.cmlReachable).toBe(false);
        if (telemetry?.cloudWatch?.askedAt === at.toISOString()) {
          asked[kind].push(minute);
        }
        // The figures CloudWatch gave when it was last asked stand until a newer datapoint can exist.
        expect(telemetry?.cpuPercent).toEqual(expect.any(Number));
        expect(telemetry?.memoryPercent).toEqual(expect.any(Number));
        expect(telemetry?.networkInBytes).toEqual(expect.any(Number));
      }
    });
    expect(asked.detailed).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(asked.basic).toEqual([0, 5, 10]);
    const stats = await billing();
    expect(stats.cloudwatchBilling.metricsRequested).toBe(METRICS * (sweeps + 3));
    // One call a sweep that asked anything: the two workers' queries go together when both are due.
    expect(stats.cloudwatch).toEqual({ GetMetricData: sweeps });
    await retire([detailed, basic]);
  });

  it("over 10 sweeps of 1,000 basic-monitoring workers asks for at most a fifth of the metrics of asking every worker every sweep", {
    timeout: 300_000,
  }, async () => {
    // A tenth of the workers with a CML that answers (its stats give CPU and memory), the rest unconfirmed.
    const reachable = await workersOf(fleet, 100, { detailedMonitoring: false, cmlLooked: true });
    const unknown = await workersOf(fleet, 900, { detailedMonitoring: false, cmlLooked: false });
    const running = reachable.length + unknown.length;
    await fleet.simJson("/_sim/stats", { method: "DELETE" });
    const sweeps = 10;
    await sweepEveryMinute(sweeps);

    const stats = await billing();
    // Before issue 19 every sweep asked for every running worker's four metrics.
    const everyWorkerEverySweep = sweeps * running * METRICS;
    expect(everyWorkerEverySweep).toBe(40_000);
    expect(stats.cloudwatchBilling.metricsRequested).toBeLessThanOrEqual(everyWorkerEverySweep / 5);
    // The first sweep knows nothing yet and asks for all; five minutes later only the workers without CML.
    expect(stats.cloudwatchBilling.metricsRequested).toBe(METRICS * (running + unknown.length));
    expect(stats.cloudwatch).toEqual({
      GetMetricData: Math.ceil((running * METRICS) / 500) + Math.ceil((unknown.length * METRICS) / 500),
    });

    // A reachable worker's CPU and memory are CML's; its network figures are unknown once CloudWatch's
    // reading from the first sweep is older than a datapoint.
    const one = await fleet.workers.findById(reachable[0]?.id ?? "");
    expect(one?.telemetry).toMatchObject({
      cmlReachable: true,
      usageFromCml: true,
      cpuPercent: expect.any(Number),
      memoryPercent: expect.any(Number),
      networkInBytes: null,
    });
  });
});
