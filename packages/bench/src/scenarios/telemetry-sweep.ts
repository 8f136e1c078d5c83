import { type BenchChild, type ChildMessage, spawnChild } from "../harness/child-process";
import { fleetChildEnv } from "../harness/fleet-child-env";
import { createBenchDatabase, deleteRedisKeys, schemaName, withCleanup } from "../harness/resources";
import { insertWorkers, seedWorker } from "../harness/seed";
import { type SimHandle, type SimStats, simCmlEnv, startSimChild, total } from "../harness/sim-control";
import { count, mib, seconds } from "../harness/stats";
import { type BenchContext, type ResultRow, type Scenario, verdict } from "../harness/types";

const REGIONS = ["us-east-1", "us-west-2"] as const;
/** CloudWatch metrics the AWS adapter asks per instance (cpu, memory, network in, network out). */
const METRICS = 4;
const CML_LATENCY_MS = 50;
const SWEEP_TIMEOUT_MS = 20 * 60_000;
const WALL_TARGET_MS = 3_000;
const MEMORY_TARGET_BYTES = 300 * 1024 * 1024;
const SWEEP_AWS_ACTIONS = ["DescribeInstances", "DescribeInstanceStatus", "GetMetricData"];

interface SweepConfig {
  readonly label: string;
  readonly env: Record<string, string>;
}

/** The product's defaults, and the one setting that bounds a sweep's wall time raised. */
const CONFIGS: readonly SweepConfig[] = [
  { label: "defaults (CML_REQUEST_CONCURRENCY=8)", env: {} },
  { label: "CML_REQUEST_CONCURRENCY=64", env: { CML_REQUEST_CONCURRENCY: "64" } },
];

function floorCalls(perRegion: readonly number[]): number {
  return perRegion.reduce(
    (sum, n) => sum + (n === 0 ? 0 : 2 * Math.ceil(n / 1000) + Math.ceil((n * METRICS) / 500)),
    0,
  );
}

interface Sweep {
  readonly swept: ChildMessage;
  readonly stats: SimStats;
}

/** One sweep in the job child, with the simulator's call counters of exactly that sweep. */
async function sweepOnce(ctx: BenchContext, sim: SimHandle, child: BenchChild, what: string): Promise<Sweep> {
  ctx.log(`  ${what}`);
  await sim.resetStats();
  child.send({ type: "sweep" });
  const swept = await child.next("swept", SWEEP_TIMEOUT_MS);
  return { swept, stats: await sim.stats() };
}

function sweepRows(input: {
  readonly label: string;
  readonly size: number;
  readonly perRegion: readonly number[];
  readonly first: Sweep;
  readonly steady: Sweep;
  readonly startupRss: number;
  readonly peakRss: number;
  readonly memoryTargetApplies: boolean;
}): ResultRow[] {
  const { label: scenario, size, first, steady } = input;
  const awsCalls =
    total(steady.stats.ec2, SWEEP_AWS_ACTIONS) + total(steady.stats.cloudwatch, SWEEP_AWS_ACTIONS);
  const otherActions = [...Object.keys(steady.stats.ec2), ...Object.keys(steady.stats.cloudwatch)].filter(
    (action) => !SWEEP_AWS_ACTIONS.includes(action),
  );
  const otherAws = total(steady.stats.ec2) + total(steady.stats.cloudwatch) - awsCalls;
  const floor = floorCalls(input.perRegion);
  const perInstance = size * (2 + METRICS);
  const workers = Number(steady.swept.workers);
  const unreachable = Number(steady.swept.cmlUnreachable);
  const asked = workers - unreachable;
  const wall = Number(steady.swept.wallMs);
  const latencyFloor = Math.ceil(size / Number(steady.swept.cmlConcurrency)) * CML_LATENCY_MS;
  return [
    {
      scenario,
      metric: "AWS calls per sweep (2 regions)",
      value: count(awsCalls),
      reference: `floor ${count(floor)}; per-instance client ${count(perInstance)} (${(perInstance / Math.max(awsCalls, 1)).toFixed(0)}x more)`,
      verdict: verdict(awsCalls <= floor),
      note: otherAws > 0 ? `plus ${otherAws} other AWS calls (${otherActions.join(", ")})` : undefined,
    },
    {
      scenario,
      metric: "CML calls per worker per sweep",
      value: asked > 0 ? (total(steady.stats.cml) / asked).toFixed(2) : "-",
      reference: `first sweep (sign-in): ${(total(first.stats.cml) / Math.max(asked, 1)).toFixed(2)}; every worker reachable`,
      verdict: verdict(unreachable === 0),
      note: `${unreachable} of ${workers} unreachable`,
    },
    {
      scenario,
      metric: `sweep wall time, ${CML_LATENCY_MS} ms CML latency`,
      value: seconds(wall),
      reference: `latency floor at this concurrency ${seconds(latencyFloor)}; first sweep ${seconds(Number(first.swept.wallMs))}; target ${size === 1000 ? "<= 3 s" : "<= 3 s at 1,000 (full run)"}`,
      verdict: size === 1000 ? verdict(wall <= WALL_TARGET_MS) : "n/a",
      note: `job process CPU ${seconds(Number(steady.swept.cpuMs))} during the sweep`,
    },
    {
      scenario,
      metric: "peak RSS of the job process",
      value: mib(input.peakRss),
      reference: `${mib(input.startupRss)} after startup; target ${size >= 10_000 ? "" : "(at 10,000) "}< 300 MB`,
      verdict: input.memoryTargetApplies ? verdict(input.peakRss < MEMORY_TARGET_BYTES) : "n/a",
      note: "VmHWM of the child process (sim and runner excluded)",
    },
  ];
}

async function measureSize(
  ctx: BenchContext,
  size: number,
  configs: readonly SweepConfig[],
): Promise<ResultRow[]> {
  const scenario = `sweep ${count(size)} workers`;
  const rows: ResultRow[] = [];
  const perRegion = REGIONS.map(
    (_, index) => Math.floor(size / REGIONS.length) + (index < size % REGIONS.length ? 1 : 0),
  );
  await withCleanup(async (defer) => {
    ctx.log(`  ${scenario}: starting the simulator and launching instances`);
    const sim = await startSimChild({ bootDelayMs: 50, cmlReadyDelayMs: 50, statusCheckDelayMs: 50 });
    defer(() => sim.child.stop());
    const launched = [];
    for (const [index, region] of REGIONS.entries()) {
      launched.push(...(await sim.launch(region, perRegion[index] ?? 0, { "cml-fleet:managed": "true" })));
    }
    const running = new Map((await sim.waitAllRunning(size, 120_000)).map((i) => [i.instanceId, i]));

    const schema = schemaName(ctx.runId, `sweep${size}`);
    const db = await createBenchDatabase(ctx.databaseUrl, schema);
    defer(() => db.drop());
    ctx.log(`  ${scenario}: seeding ${size} workers`);
    await insertWorkers(
      db.database.db,
      launched.map((instance, index) => {
        const live = running.get(instance.instanceId) ?? instance;
        return seedWorker(index, {
          region: instance.region,
          instanceId: instance.instanceId,
          publicIp: live.publicIp,
          privateIp: live.privateIp,
          endpoint: `https://${live.publicIp}:${sim.cmlPort}`,
        });
      }),
    );

    // At 10,000 only the defaults: the memory target is about the job process as shipped, and a sweep takes minutes.
    for (const config of size >= 10_000 ? configs.slice(0, 1) : configs) {
      const prefix = `bench-${ctx.runId}-sweep`;
      defer(() => deleteRedisKeys(ctx.redisUrl, prefix));
      const { child, ready } = await spawnChild("sweep-child.ts", {
        ...fleetChildEnv(ctx, { schema, redisPrefix: prefix }, { ...simCmlEnv(sim), ...config.env }),
        BENCH_CML_LATENCY_MS: String(CML_LATENCY_MS),
      });
      try {
        const first = await sweepOnce(ctx, sim, child, `${scenario}, ${config.label}: first sweep`);
        const steady = await sweepOnce(ctx, sim, child, `${scenario}, ${config.label}: second sweep`);
        rows.push(
          ...sweepRows({
            label: `${scenario}, ${config.label}`,
            size,
            perRegion,
            first,
            steady,
            startupRss: Number(ready.peakRssBytes),
            peakRss: await child.peakRssBytes(),
            memoryTargetApplies: size >= 10_000 && config === CONFIGS[0],
          }),
        );
      } finally {
        await child.stop();
      }
    }
  });
  return rows;
}

export const telemetrySweepScenario: Scenario = {
  name: "sweep",
  title: "Telemetry sweep at scale",
  method: [
    "the simulator runs in its own process with N instances split across us-east-1 and us-west-2; N workers pointing at them are bulk-inserted into a fresh Postgres schema",
    "the job process is a child built by the product's startJobProcess (AWS SDK clients on the simulator, the HTTPS CML client, Postgres, Redis publisher) serving no queues; the runner triggers createTelemetrySweepService(...).sweep() twice and times each inside the child",
    "50 ms of CML latency is added before every CmlClient call by a wrapper (the simulator's own latency fault applies to AWS only); the first sweep includes signing in to every CML, the second is the steady state reported",
    "AWS and CML calls are the simulator's own request counters (/_sim/stats), reset before each sweep; floor = sum over regions of 2*ceil(n/1000) + ceil(n*4/500) with the adapter's 4 metrics; per-instance client = N*(2+4)",
    "latency floor = ceil(N / CML concurrency) x 50 ms: a worker's CML questions go out together, so each lane pays the latency once per worker",
    "peak memory is VmHWM from /proc/<pid>/status of the job child after both sweeps",
  ],
  async run(ctx) {
    const rows: ResultRow[] = [];
    // Quick: a tenth of the fleet, the defaults only (a 1,000-worker sweep takes minutes on a loaded machine).
    for (const size of ctx.quick ? [100] : [1_000, 10_000]) {
      rows.push(...(await measureSize(ctx, size, ctx.quick ? CONFIGS.slice(0, 1) : CONFIGS)));
    }
    return rows;
  },
};
