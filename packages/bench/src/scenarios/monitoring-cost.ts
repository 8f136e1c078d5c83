import { createAwsCloudProvider } from "@cml-fleet/core/adapters/aws/create-aws-cloud-provider";
import { createCmlClient } from "@cml-fleet/core/adapters/cml/create-cml-client";
import { HOURS_PER_MONTH, monthlyCostOf } from "@cml-fleet/core/domain/monitoring-cost";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import { createCustomMetricsPublisher } from "@cml-fleet/core/services/custom-metrics-publisher";
import {
  createTelemetrySweepService,
  type TelemetrySweepDeps,
} from "@cml-fleet/core/services/telemetry-sweep.service";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { createRedisPublishedMetricsLedger } from "@cml-fleet/platform/redis/redis-published-metrics-ledger";
import { createFleetMetricTotals } from "@cml-fleet/platform/repositories/fleet-metric-totals";
import { createWorkerRepository } from "@cml-fleet/platform/repositories/worker.repository";
import { Redis } from "ioredis";
import { createBenchDatabase, deleteRedisKeys, schemaName, withCleanup } from "../harness/resources";
import { insertWorkers, seedWorker } from "../harness/seed";
import { type SimHandle, simCmlEnv, startSimChild } from "../harness/sim-control";
import { count } from "../harness/stats";
import type { ResultRow, Scenario } from "../harness/types";

/** CloudWatch metrics today's sweep asks per running worker every sweep (cpu, memory, network in and out). */
const METRICS = 4;
const SWEEP_INTERVAL_MS = 60_000;
const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
const TARGET_USD_PER_WORKER_MONTH = 0.1;
const REGION = "us-east-1";

interface Sizes {
  readonly workers: number;
  /** Sweeps a minute apart on the sweep's clock: the window the month is projected from. */
  readonly sweeps: number;
}
const FULL: Sizes = { workers: 200, sweeps: 60 };
const QUICK: Sizes = { workers: 50, sweeps: 30 };

interface Billing {
  readonly metricsRequested: number;
  readonly putMetricDataRequests: number;
  readonly customMetricSeries: number;
}

/** A clock the scenario moves a sweep interval at a time: an hour of sweeps runs in seconds. */
class SteppedClock implements Clock {
  private current = Date.now();
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

const quietPublisher: EventPublisher = {
  workerChanged: async () => {},
  fleetEvent: async () => {},
  jobUpdated: async () => {},
};

async function billingOf(sim: SimHandle): Promise<Billing> {
  const stats = await sim.json<{ cloudwatchBilling?: Billing }>("/_sim/stats");
  if (stats.cloudwatchBilling === undefined) {
    throw new Error("the simulator's /_sim/stats has no cloudwatchBilling");
  }
  return stats.cloudwatchBilling;
}

const usd = (value: number) => `$${value.toFixed(value < 0.01 ? 4 : 3)}`;

/**
 * Issue 19: what watching the fleet costs per worker-month at CloudWatch list
 * prices, from the simulator's billable units counted over a window of sweeps
 * (the sweep service in this process, on the product's AWS and CML adapters,
 * Postgres and Redis), next to what today's sweep and a per-instance client
 * would cost for the same fleet.
 */
export const monitoringCostScenario: Scenario = {
  name: "monitoring-cost",
  title: "Monitoring cost (CloudWatch at list price)",
  method: [
    "the simulator runs in its own process with N instances in us-east-1 (basic monitoring, CML answering); N workers pointing at them are bulk-inserted into a fresh Postgres schema",
    "the telemetry sweep service runs in this process on the product's AWS SDK adapter (pointed at the simulator), HTTPS CML client and Postgres repository, on a clock moved 60 s between sweeps (the default CML_WORKER_TELEMETRY_COLLECTION_INTERVAL), so an hour of sweeps takes seconds; S sweeps with the default settings (custom metrics off), then S more with CML_CUSTOM_METRICS_ENABLED (fleet totals, CML_CUSTOM_METRICS_PERIOD 5 min, the ledger in Redis)",
    "the billable units are the simulator's cloudwatchBilling counters (/_sim/stats: metrics requested by answered GetMetricData calls, PutMetricData requests, distinct custom series), reset before each window; a month is 730 h (43,800 sweeps); list prices: $0.01 per 1,000 metrics requested, $0.01 per 1,000 PutMetricData requests, $0.30 per custom series-month",
    "per worker-month = the window's units x 43,800 / S / N (custom series / N); the first sweep's 4 metrics a worker are spread over the window only, so a longer run costs less per month, never more",
    "today's sweep = 4 metrics per worker every sweep (the first sweep's measured count per worker, every sweep); per-instance client (the prototype) = one GetMetricStatistics request per metric, instance and sweep: the same $0.01 per 1,000, in 4 x N calls a sweep instead of ceil(4 x N / 500)",
  ],
  async run(ctx) {
    const sizes = ctx.quick ? QUICK : FULL;
    return withCleanup(async (defer) => {
      ctx.log(`  monitoring cost: ${count(sizes.workers)} workers, starting the simulator`);
      const sim = await startSimChild({ bootDelayMs: 50, cmlReadyDelayMs: 50, statusCheckDelayMs: 50 });
      defer(() => sim.child.stop());
      const launched = await sim.launch(REGION, sizes.workers, { "cml-fleet:managed": "true" });
      const running = new Map(
        (await sim.waitAllRunning(sizes.workers, 120_000)).map((instance) => [instance.instanceId, instance]),
      );
      const db = await createBenchDatabase(ctx.databaseUrl, schemaName(ctx.runId, "monitoring"));
      defer(() => db.drop());
      await insertWorkers(
        db.database.db,
        launched.map((instance, index) => {
          const live = running.get(instance.instanceId) ?? instance;
          return seedWorker(index, {
            region: REGION,
            instanceId: instance.instanceId,
            publicIp: live.publicIp,
            privateIp: live.privateIp,
            endpoint: `https://${live.publicIp}:${sim.cmlPort}`,
          });
        }),
      );

      const env = simCmlEnv(sim);
      const cloud = createAwsCloudProvider({
        accounts: { default: {} },
        staticCredentials: { accessKeyId: "sim", secretAccessKey: "sim" },
        endpoints: { ec2: sim.url, cloudwatch: sim.url, sts: sim.url },
        logger: silentLogger,
      });
      defer(async () => cloud.close());
      const cml = createCmlClient({
        username: env.CML_USERNAME ?? "",
        password: env.CML_PASSWORD ?? "",
        tls: { verify: false },
        requestTimeoutMs: 10_000,
        logger: silentLogger,
      });
      defer(async () => cml.close());
      const prefix = `bench-${ctx.runId}-monitoring:`;
      const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 1 });
      defer(async () => {
        await deleteRedisKeys(ctx.redisUrl, prefix);
        await redis.quit();
      });

      const clock = new SteppedClock();
      const base: TelemetrySweepDeps = {
        workers: createWorkerRepository(db.database.db),
        publisher: quietPublisher,
        clock,
        logger: silentLogger,
        cloud,
        cml,
        sweep: {
          cmlApiPort: sim.cmlPort,
          cmlConcurrency: 32,
          perWorkerTimeoutMs: 20_000,
          metricWindowMs: 10 * 60_000,
          metricPeriodSeconds: 60,
          retentionMs: null,
        },
      };

      /** S sweeps a minute apart; the simulator's billing of the window, and of its first sweep. */
      const sweepWindow = async (deps: TelemetrySweepDeps, label: string) => {
        const service = createTelemetrySweepService(deps);
        await sim.resetStats();
        let first: Billing | null = null;
        for (let sweep = 0; sweep < sizes.sweeps; sweep += 1) {
          clock.advance(SWEEP_INTERVAL_MS);
          const summary = await service.sweep();
          if (summary.failedTargets.length > 0 || summary.cmlUnreachable > 0) {
            throw new Error(
              `${label}: sweep ${sweep + 1} failed ${summary.failedTargets.length} regions, ${summary.cmlUnreachable} CMLs unreachable`,
            );
          }
          first ??= await billingOf(sim);
        }
        return { first: first ?? (await billingOf(sim)), window: await billingOf(sim) };
      };

      ctx.log(`  monitoring cost: ${sizes.sweeps} sweeps with the default settings`);
      const defaults = await sweepWindow(base, "default settings");
      ctx.log(`  monitoring cost: ${sizes.sweeps} sweeps with the fleet's custom metrics`);
      const withMetrics = await sweepWindow(
        {
          ...base,
          customMetrics: createCustomMetricsPublisher({
            cloud,
            clock,
            logger: silentLogger,
            totals: createFleetMetricTotals(db.database.db),
            ledger: createRedisPublishedMetricsLedger(redis, prefix),
            config: { enabled: true, namespace: "CMLFleet", periodMs: 5 * 60_000, perWorker: false },
          }),
        },
        "custom metrics",
      );
      return rows(sizes, defaults, withMetrics);
    });
  },
};

function perWorkerMonth(sizes: Sizes, billing: Billing) {
  const scale = MINUTES_PER_MONTH / sizes.sweeps / sizes.workers;
  const units = {
    metricsRequestedPerMonth: billing.metricsRequested * scale,
    putMetricDataRequestsPerMonth: billing.putMetricDataRequests * scale,
    customMetricSeries: billing.customMetricSeries / sizes.workers,
  };
  return { units, cost: monthlyCostOf(units) };
}

function rows(
  sizes: Sizes,
  defaults: { first: Billing; window: Billing },
  withMetrics: { first: Billing; window: Billing },
): ResultRow[] {
  const scenario = `monitoring, ${count(sizes.workers)} workers x ${sizes.sweeps} sweeps`;
  const measured = perWorkerMonth(sizes, defaults.window);
  // Today's sweep asks every running worker's 4 metrics every sweep: the first sweep's count, each sweep.
  const todayMetricsPerWorker = defaults.first.metricsRequested / sizes.workers;
  const today = monthlyCostOf({
    metricsRequestedPerMonth: todayMetricsPerWorker * MINUTES_PER_MONTH,
    putMetricDataRequestsPerMonth: 0,
    customMetricSeries: 0,
  });
  // The prototype: one GetMetricStatistics request per metric, instance and sweep, $0.01 per 1,000 requests.
  const perInstance = monthlyCostOf({
    metricsRequestedPerMonth: METRICS * MINUTES_PER_MONTH,
    putMetricDataRequestsPerMonth: 0,
    customMetricSeries: 0,
  });
  const custom = perWorkerMonth(sizes, withMetrics.window);
  const fleetMonth = monthlyCostOf({
    metricsRequestedPerMonth: (withMetrics.window.metricsRequested * MINUTES_PER_MONTH) / sizes.sweeps,
    putMetricDataRequestsPerMonth:
      (withMetrics.window.putMetricDataRequests * MINUTES_PER_MONTH) / sizes.sweeps,
    customMetricSeries: withMetrics.window.customMetricSeries,
  });
  return [
    {
      scenario,
      metric: "monitoring cost per worker-month, default settings (basic monitoring, CML reachable)",
      value: usd(measured.cost.total),
      reference: `target <= ${usd(TARGET_USD_PER_WORKER_MONTH)}; today's sweep ${usd(today.total)} (${count(todayMetricsPerWorker)} metrics a worker every sweep); per-instance client ${usd(perInstance.total)} in ${count(METRICS * sizes.workers)} GetMetricStatistics calls a sweep`,
      verdict: measured.cost.total <= TARGET_USD_PER_WORKER_MONTH ? "met" : "MISSED",
      note: `measured: ${count(defaults.window.metricsRequested)} metrics requested in ${sizes.sweeps} sweeps (${count(defaults.first.metricsRequested)} in the first), ${defaults.window.putMetricDataRequests} PutMetricData, ${defaults.window.customMetricSeries} custom series: ${count(Math.round(measured.units.metricsRequestedPerMonth))} metrics per worker-month`,
    },
    {
      scenario,
      metric:
        "with CML_CUSTOM_METRICS_ENABLED (fleet totals, 5 min period): per worker-month, per region-month",
      value: `${usd(custom.cost.total)}, ${usd(fleetMonth.total)}`,
      reference: `${withMetrics.window.customMetricSeries} series at $0.30 shared by ${count(sizes.workers)} workers, plus the window's own GetMetricData; per-worker series (CML_CUSTOM_METRICS_PER_WORKER) would add $0.90 per worker-month`,
      verdict: "n/a",
      note: `measured: ${withMetrics.window.putMetricDataRequests} PutMetricData requests and ${withMetrics.window.customMetricSeries} custom series in ${sizes.sweeps} sweeps, ${count(withMetrics.window.metricsRequested)} metrics requested`,
    },
  ];
}
