import { JOB_PROCESS_NODE_FLAGS } from "@cml-fleet/jobs/job-process-node-flags";
import { type BenchChild, spawnChild } from "../harness/child-process";
import { fleetChildEnv } from "../harness/fleet-child-env";
import {
  type BenchDatabase,
  createBenchDatabase,
  deleteRedisKeys,
  schemaName,
  withCleanup,
} from "../harness/resources";
import { insertWorkers, seedWorker } from "../harness/seed";
import { type SimHandle, type SimStats, simCmlEnv, startSimChild, total } from "../harness/sim-control";
import { count, mib, ratio, seconds } from "../harness/stats";
import {
  createSweepTrigger,
  type SweepTrigger,
  type SweptFleet,
  waitForSweep,
} from "../harness/sweep-trigger";
import { type BenchContext, type ResultRow, type Scenario, type Verdict, verdict } from "../harness/types";

const REGIONS = ["us-east-1", "us-west-2"] as const;
/** CloudWatch metrics the AWS adapter asks per instance (cpu, memory, network in, network out). */
const METRICS = 4;
const CML_LATENCY_MS = 50;
const SWEEP_TIMEOUT_MS = 20 * 60_000;
const SWEEP_AWS_ACTIONS = ["DescribeInstances", "DescribeInstanceStatus", "GetMetricData"];
const MEMORY_TARGET_BYTES = 300 * 1024 * 1024;
/** A job process starting on a loaded machine (the simulator's 10,000 instances beside it) takes a while. */
const CHILD_READY_TIMEOUT_MS = 180_000;
/** Two processes sweep the same fleet in at most this share of one process's time. */
const TWO_PROCESS_TARGET = 0.6;

/** The sizes of a run: the small fleet on one process, the large one on one and on two (same fleet). */
interface Sizes {
  readonly small: number;
  readonly large: number;
}
const FULL: Sizes = { small: 1_000, large: 10_000 };
const QUICK: Sizes = { small: 100, large: 1_000 };
/** Wall-time targets at full size, by fleet size, on one job process. */
const WALL_TARGET_MS: Readonly<Record<number, number>> = { 1000: 3_000, 10000: 20_000 };

function floorCalls(perRegion: readonly number[]): number {
  return perRegion.reduce(
    (sum, n) => sum + (n === 0 ? 0 : 2 * Math.ceil(n / 1000) + Math.ceil((n * METRICS) / 500)),
    0,
  );
}

interface Sweep {
  readonly swept: SweptFleet;
  readonly stats: SimStats;
}

/** What one fleet's sweeps on a number of job processes measured. */
interface ProcessRun {
  readonly processes: number;
  readonly first: Sweep;
  readonly steady: Sweep;
  /** CPU of each job process during the steady sweep, ms. */
  readonly cpuMs: readonly number[];
  /** VmHWM of each job process after both sweeps. */
  readonly peakRss: readonly number[];
  /** The CML request limit per process the children run with (CML_REQUEST_CONCURRENCY). */
  readonly cmlConcurrency: number;
}

interface Fleet {
  readonly size: number;
  readonly perRegion: readonly number[];
  readonly sim: SimHandle;
  readonly db: BenchDatabase;
}

/** One sweep: triggered through the queue, over when Postgres has every worker's new sample; then the queues drain. */
async function sweepOnce(fleet: Fleet, trigger: SweepTrigger): Promise<Sweep> {
  await fleet.sim.resetStats();
  const triggeredAt = await trigger.trigger();
  const swept = await waitForSweep(
    fleet.db.database,
    fleet.db.schema,
    trigger,
    triggeredAt,
    SWEEP_TIMEOUT_MS,
  );
  const stats = await fleet.sim.stats();
  // The next sweep must not find this one still holding its lock (it would be skipped, not timed).
  await trigger.quiet(SWEEP_TIMEOUT_MS);
  return { swept, stats };
}

async function cpuOf(children: readonly BenchChild[]): Promise<number[]> {
  return Promise.all(
    children.map(async (child) => {
      child.send({ type: "usage" });
      return Number((await child.next("usage", 30_000)).cpuMs);
    }),
  );
}

/** Starts `processes` job children on the fleet (a Redis prefix of their own), sweeps twice, stops them. */
async function sweepOn(ctx: BenchContext, fleet: Fleet, processes: number): Promise<ProcessRun> {
  const label = `sweep ${count(fleet.size)} workers, ${processes} job process${processes === 1 ? "" : "es"}`;
  const prefix = `bench-${ctx.runId}-sweep${fleet.size}-p${processes}`;
  return withCleanup(async (defer) => {
    defer(() => deleteRedisKeys(ctx.redisUrl, prefix));
    const env = fleetChildEnv(
      ctx,
      { schema: fleet.db.schema, redisPrefix: prefix },
      // Not the start-up license read: it queues a refresh of every worker, CML calls that would race the sweep.
      { ...simCmlEnv(fleet.sim), CML_LICENSE_CHECK_ON_STARTUP: "false" },
    );
    const children: BenchChild[] = [];
    let cmlConcurrency = Number.NaN;
    for (let index = 0; index < processes; index += 1) {
      const { child, ready } = await spawnChild(
        "sweep-child.ts",
        env,
        CHILD_READY_TIMEOUT_MS,
        JOB_PROCESS_NODE_FLAGS,
      );
      defer(() => child.stop());
      children.push(child);
      cmlConcurrency = Number(ready.cmlConcurrency);
    }
    const trigger = createSweepTrigger(ctx.redisUrl, prefix);
    defer(() => trigger.close());

    ctx.log(`  ${label}: first sweep (connections and sign-in)`);
    const first = await sweepOnce(fleet, trigger);
    ctx.log(`  ${label}: second sweep`);
    const cpuBefore = await cpuOf(children);
    const steady = await sweepOnce(fleet, trigger);
    const cpuAfter = await cpuOf(children);
    return {
      processes,
      first,
      steady,
      cpuMs: cpuAfter.map((after, index) => after - (cpuBefore[index] ?? 0)),
      peakRss: await Promise.all(children.map((child) => child.peakRssBytes())),
      cmlConcurrency,
    };
  });
}

function awsCallsOf(stats: SimStats): { sweep: number; other: number; otherActions: string[] } {
  const sweep = total(stats.ec2, SWEEP_AWS_ACTIONS) + total(stats.cloudwatch, SWEEP_AWS_ACTIONS);
  const otherActions = [...Object.keys(stats.ec2), ...Object.keys(stats.cloudwatch)].filter(
    (action) => !SWEEP_AWS_ACTIONS.includes(action),
  );
  return { sweep, other: total(stats.ec2) + total(stats.cloudwatch) - sweep, otherActions };
}

/** A target's verdict at full size; "n/a" in quick mode, whose sizes are not the target's. */
function atFullSize(ctx: BenchContext, met: boolean): Verdict {
  return ctx.quick ? "n/a" : verdict(met);
}

function runRows(
  ctx: BenchContext,
  fleet: Fleet,
  run: ProcessRun,
  oneProcess: ProcessRun | null,
): ResultRow[] {
  const scenario = `sweep ${count(fleet.size)} workers, ${run.processes} job process${run.processes === 1 ? "" : "es"}`;
  const { first, steady } = run;
  const aws = awsCallsOf(steady.stats);
  const floor = floorCalls(fleet.perRegion);
  const perInstance = fleet.size * (2 + METRICS);
  const asked = steady.swept.workers - steady.swept.cmlUnreachable;
  const cmlCalls = total(steady.stats.cml);
  const wall = steady.swept.wallMs;
  const latencyFloor = Math.ceil(cmlCalls / Math.max(1, run.cmlConcurrency * run.processes)) * CML_LATENCY_MS;
  const fullSize = ctx.quick ? (fleet.size === QUICK.small ? FULL.small : FULL.large) : fleet.size;
  const wallTarget = WALL_TARGET_MS[fullSize] ?? Number.NaN;
  const rows: ResultRow[] = [
    {
      scenario,
      metric: `sweep wall time, ${CML_LATENCY_MS} ms CML latency`,
      value: seconds(wall),
      reference:
        oneProcess === null
          ? `target <= ${seconds(wallTarget)} at ${count(fullSize)}${ctx.quick ? " (full run)" : ""}; first sweep ${seconds(first.swept.wallMs)}; latency floor ${seconds(latencyFloor)}`
          : `one process ${seconds(oneProcess.steady.swept.wallMs)}: ${ratio(wall / oneProcess.steady.swept.wallMs)} (target <= ${TWO_PROCESS_TARGET}x${ctx.quick ? " at 10,000, full run" : ""}); first sweep ${seconds(first.swept.wallMs)}`,
      // A sweep that left workers unsampled did not do the work the time is for.
      verdict:
        steady.swept.unsampled > 0
          ? "MISSED"
          : oneProcess === null
            ? atFullSize(ctx, wall <= wallTarget)
            : atFullSize(ctx, wall <= TWO_PROCESS_TARGET * oneProcess.steady.swept.wallMs),
      note: [
        `job process CPU ${run.cpuMs.map((cpu) => seconds(cpu)).join(" + ")} during the sweep`,
        steady.swept.unsampled > 0
          ? `${count(steady.swept.unsampled)} of ${count(steady.swept.workers)} workers not sampled when its jobs ended`
          : null,
      ]
        .filter((part) => part !== null)
        .join("; "),
    },
    {
      scenario,
      metric: "AWS calls per sweep (2 regions)",
      value: count(aws.sweep),
      reference: `floor ${count(floor)} asking CloudWatch for every worker (every CML here answers, so the steady sweep asks it for none: the describes alone); per-instance client ${count(perInstance)} (${(perInstance / Math.max(aws.sweep, 1)).toFixed(0)}x more)`,
      verdict: verdict(aws.sweep <= floor),
      note: aws.other > 0 ? `plus ${aws.other} other AWS calls (${aws.otherActions.join(", ")})` : undefined,
    },
    {
      scenario,
      metric: "CML calls per worker per sweep",
      value: asked > 0 ? (cmlCalls / asked).toFixed(2) : "-",
      reference: `first sweep (connections, sign-in): ${(total(first.stats.cml) / Math.max(asked, 1)).toFixed(2)}; every worker reachable`,
      verdict: verdict(steady.swept.cmlUnreachable === 0),
      note: [
        `${steady.swept.cmlUnreachable} of ${steady.swept.workers} unreachable`,
        typeof steady.stats.cmlConnections === "number"
          ? `${count(steady.stats.cmlConnections)} new CML connections, ${count(steady.stats.cmlResumedSessions ?? 0)} of them resuming a TLS session (first sweep ${count(first.stats.cmlConnections ?? Number.NaN)})`
          : null,
        typeof steady.stats.cmlInFlightPeak === "number"
          ? `at most ${count(steady.stats.cmlInFlightPeak)} CML requests in flight`
          : null,
      ]
        .filter((part) => part !== null)
        .join("; "),
    },
  ];
  const largest = Math.max(...run.peakRss);
  rows.push({
    scenario,
    metric: `peak RSS of ${run.processes === 1 ? "the job process" : "each job process"}`,
    value: run.peakRss.map((bytes) => mib(bytes)).join(", "),
    reference: `target < 300 MB at 10,000 workers${ctx.quick ? " (full run)" : ""}`,
    verdict: fleet.size === FULL.large && !ctx.quick ? verdict(largest < MEMORY_TARGET_BYTES) : "n/a",
    note: "VmHWM of each job child after both sweeps (sim and runner excluded)",
  });
  return rows;
}

/** Launches the fleet in the simulator (CML answering after 50 ms) and seeds its workers into a schema of its own. */
async function withFleet<T>(ctx: BenchContext, size: number, use: (fleet: Fleet) => Promise<T>): Promise<T> {
  const perRegion = REGIONS.map(
    (_, index) => Math.floor(size / REGIONS.length) + (index < size % REGIONS.length ? 1 : 0),
  );
  return withCleanup(async (defer) => {
    ctx.log(`  sweep ${count(size)} workers: starting the simulator and launching instances`);
    const sim = await startSimChild({ bootDelayMs: 50, cmlReadyDelayMs: 50, statusCheckDelayMs: 50 });
    defer(() => sim.child.stop());
    const launched = [];
    for (const [index, region] of REGIONS.entries()) {
      launched.push(...(await sim.launch(region, perRegion[index] ?? 0, { "cml-fleet:managed": "true" })));
    }
    const running = new Map((await sim.waitAllRunning(size, 120_000)).map((i) => [i.instanceId, i]));
    // The simulator's own fault: every CML answer waits, as across a network to real workers.
    await sim.json("/_sim/faults", { method: "PUT", body: { cmlLatencyMs: CML_LATENCY_MS } });

    const db = await createBenchDatabase(ctx.databaseUrl, schemaName(ctx.runId, `sweep${size}`));
    defer(() => db.drop());
    ctx.log(`  sweep ${count(size)} workers: seeding ${size} workers`);
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
    return use({ size, perRegion, sim, db });
  });
}

export const telemetrySweepScenario: Scenario = {
  name: "sweep",
  title: "Telemetry sweep at scale",
  method: [
    "the simulator runs in its own process with N instances split across us-east-1 and us-west-2, every CML answer delayed 50 ms by its own fault (PUT /_sim/faults {cmlLatencyMs: 50}); N workers pointing at them are bulk-inserted into a fresh Postgres schema",
    "each job process is a child started by the product's startJobProcess (AWS SDK clients on the simulator, the HTTPS CML client, Postgres, Redis) serving every queue as in production, with no repeating schedules and no start-up license read (a refresh job per worker that would race the sweep); one, then two children sweep the same fleet",
    "the runner triggers a sweep by adding a telemetry-sweep job to the fleet's BullMQ queue (what the schedule adds; a sharded sweep fans out from it to whichever process takes the shards); the wall time runs from just before the job is added until every worker's telemetry.sampledAt in Postgres is at or after that moment (polled every 100 ms), or, when the sweep's jobs all end with workers not sampled, until then (those workers are reported and the time misses its target); then the queues are left to drain",
    "the first sweep includes opening connections and signing in to every CML; the second is the steady state reported",
    "AWS and CML calls are the simulator's own request counters (/_sim/stats), reset before each sweep; floor = sum over regions of 2*ceil(n/1000) + ceil(n*4/500) with the adapter's 4 metrics; per-instance client = N*(2+4)",
    "latency floor = ceil(CML calls / (CML_REQUEST_CONCURRENCY x processes)) x 50 ms: every request waits 50 ms and at most that many are in flight",
    "peak memory is VmHWM from /proc/<pid>/status of each job child after both sweeps; CPU is each child's process.cpuUsage() over the steady sweep",
    "full size: 1,000 workers on one process (target <= 3 s), 10,000 on one (target <= 20 s, < 300 MB) and on two (<= 0.6x of one); quick mode sweeps 100 and 1,000 the same way, and the targets apply at full size only",
  ],
  async run(ctx) {
    const sizes = ctx.quick ? QUICK : FULL;
    const rows: ResultRow[] = [];
    // A fleet that fails is reported as such; the other fleet's figures still stand.
    const measure = async (size: number, work: (fleet: Fleet) => Promise<void>) => {
      try {
        await withFleet(ctx, size, work);
      } catch (error) {
        rows.push({
          scenario: `sweep ${count(size)} workers`,
          metric: "-",
          value: `not measured: ${error instanceof Error ? error.message : String(error)}`,
          reference: "-",
          verdict: "not measured",
        });
      }
    };
    await measure(sizes.small, async (fleet) => {
      rows.push(...runRows(ctx, fleet, await sweepOn(ctx, fleet, 1), null));
    });
    await measure(sizes.large, async (fleet) => {
      const one = await sweepOn(ctx, fleet, 1);
      rows.push(...runRows(ctx, fleet, one, null));
      rows.push(...runRows(ctx, fleet, await sweepOn(ctx, fleet, 2), one));
    });
    return rows;
  },
};
