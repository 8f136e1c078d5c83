import { generateTokenSecret } from "@cml-fleet/api/auth/token-secret";
import { JOB_PROCESS_NODE_FLAGS } from "@cml-fleet/jobs/job-process-node-flags";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { createWorkerRepository } from "@cml-fleet/platform/repositories/worker.repository";
import { Queue } from "bullmq";
import { spawnChild } from "../harness/child-process";
import { fleetChildEnv } from "../harness/fleet-child-env";
import { createBenchDatabase, deleteRedisKeys, schemaName, withCleanup } from "../harness/resources";
import { simCmlEnv, startSimChild } from "../harness/sim-control";
import { count, ms, percentile, seconds, until } from "../harness/stats";
import { type BenchContext, type ResultRow, type Scenario, verdict } from "../harness/types";

const BOOT_DELAY_MS = 2_000;
const CML_READY_DELAY_MS = 2_000;
const SLACK_TARGET_MS = 10_000;
const CREATE = `mutation Create($input: CreateWorkerInput!) { createWorker(input: $input) { worker { id } job { id } } }`;

interface SimInstance {
  readonly instanceId: string;
  readonly tags: Record<string, string>;
}

/** EC2's non-mutating bucket (aws.md), which DescribeInstances draws on: its size and refill per second. */
const NON_MUTATING_BUCKET = 100;
const NON_MUTATING_REFILL = 20;

/** createWorker calls in flight at once: the API takes them all, the runner's own sockets stay few. */
const CREATE_CONCURRENCY = 100;

/** Runs `work` over `items` with at most `limit` in flight, answers in order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** The two sizes of a run, with their targets: the issue's 100 creates in 14 s and 1,000 in 60 s (quick: a tenth). */
function sizes(quick: boolean): { readonly workers: number; readonly targetMs: number }[] {
  const delays = BOOT_DELAY_MS + CML_READY_DELAY_MS;
  return quick
    ? [
        { workers: 10, targetMs: delays + SLACK_TARGET_MS },
        { workers: 100, targetMs: delays + SLACK_TARGET_MS },
      ]
    : [
        { workers: 100, targetMs: delays + SLACK_TARGET_MS },
        { workers: 1_000, targetMs: 60_000 },
      ];
}

async function measure(ctx: BenchContext): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const size of sizes(ctx.quick)) {
    rows.push(...(await measureCreates(ctx, size.workers, size.targetMs)));
  }
  return rows;
}

async function measureCreates(ctx: BenchContext, workers: number, targetMs: number): Promise<ResultRow[]> {
  const scenario = `Provisioning: ${workers} concurrent createWorker`;
  return withCleanup(async (defer) => {
    const sim = await startSimChild({
      bootDelayMs: BOOT_DELAY_MS,
      cmlReadyDelayMs: CML_READY_DELAY_MS,
      statusCheckDelayMs: 500,
    });
    defer(() => sim.child.stop());
    const db = await createBenchDatabase(ctx.databaseUrl, schemaName(ctx.runId, `prov${workers}`));
    defer(() => db.drop());
    const token = generateTokenSecret();
    const prefix = `bench-${ctx.runId}-prov${workers}`;
    defer(() => deleteRedisKeys(ctx.redisUrl, prefix));
    const env = fleetChildEnv(
      ctx,
      { schema: db.schema, redisPrefix: prefix },
      { ...simCmlEnv(sim), BOOTSTRAP_ADMIN_TOKEN: token },
    );
    const api = await spawnChild("api-child.ts", env);
    defer(() => api.child.stop());
    const jobs = await spawnChild("jobs-child.ts", env, undefined, JOB_PROCESS_NODE_FLAGS);
    defer(() => jobs.child.stop());
    jobs.child.send({ type: "runtime" });
    const slots = Number((await jobs.child.next("runtime", 10_000)).concurrency);
    const repository = createWorkerRepository(db.database.db);

    ctx.log(`  ${workers} concurrent createWorker calls`);
    const started = performance.now();
    const created = await mapLimited(
      Array.from({ length: workers }, (_, index) => index),
      CREATE_CONCURRENCY,
      async (index) => {
        const response = await fetch(String(api.ready.url), {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({
            query: CREATE,
            variables: { input: { name: `bench-prov-${index}`, region: "us-east-1" } },
          }),
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await response.json()) as {
          data?: { createWorker?: { worker: { id: string } } };
          errors?: unknown;
        };
        const id = body.data?.createWorker?.worker.id;
        if (id === undefined) {
          throw new Error(`createWorker failed: ${JSON.stringify(body.errors ?? body).slice(0, 200)}`);
        }
        return id;
      },
    );
    const createdMs = performance.now() - started;
    const ids = new Set(created);
    const timeoutMs = Math.max(90_000, targetMs * 5);
    let available = 0;
    let failedWorkers = 0;
    const allDone = await until(
      "every worker to be AVAILABLE",
      async () => {
        const active = (await repository.findByIds([...ids])).filter((worker) => ids.has(worker.id));
        available = active.filter((w) => w.status === "RUNNING" && w.serviceStatus === "AVAILABLE").length;
        failedWorkers = active.filter((w) => w.status === "FAILED").length;
        return available + failedWorkers >= workers ? performance.now() - started : null;
      },
      timeoutMs,
      workers > 100 ? 1_000 : 200,
    ).catch(() => Number.NaN);

    const instances = await sim.json<SimInstance[]>("/_sim/instances");
    const perWorker = new Map<string, number>();
    for (const instance of instances) {
      const workerId = instance.tags["cml-fleet:worker-id"];
      if (workerId !== undefined && ids.has(workerId)) {
        perWorker.set(workerId, (perWorker.get(workerId) ?? 0) + 1);
      }
    }
    const launchCounts = [...ids].map((id) => perWorker.get(id) ?? 0);
    const stats = await sim.json<{ ec2: Record<string, number> }>("/_sim/stats");
    const runInstances = stats.ec2.RunInstances ?? 0;
    const describeInstances = stats.ec2.DescribeInstances ?? 0;
    // What EC2's non-mutating bucket lets one account and region make over the run: its 100, then 20 a second.
    const describeBudget = Number.isFinite(allDone)
      ? NON_MUTATING_BUCKET + Math.floor((NON_MUTATING_REFILL * allDone) / 1000)
      : Number.NaN;
    const exactlyOne = launchCounts.filter((n) => n === 1).length;

    const queue = new Queue(queueName("provision"), { connection: { url: ctx.redisUrl }, prefix });
    defer(() => queue.close());
    const finished = (await queue.getJobs(["completed", "failed"], 0, workers * 2)).filter(
      (job) => job.processedOn !== undefined && job.finishedOn !== undefined,
    );
    const waits = finished.map((job) => (job.processedOn ?? 0) - job.timestamp);
    const running = finished.map((job) => (job.finishedOn ?? 0) - (job.processedOn ?? 0));
    const firstSlots = [...finished]
      .sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0))
      .slice(0, Math.min(slots, finished.length))
      .map((job) => (job.processedOn ?? 0) - job.timestamp);
    return [
      {
        scenario,
        metric: "time until all AVAILABLE",
        value: seconds(allDone),
        reference: `boot ${BOOT_DELAY_MS / 1000} s + CML ready ${CML_READY_DELAY_MS / 1000} s; target <= ${seconds(targetMs)}`,
        verdict: verdict(Number.isFinite(allDone) && allDone <= targetMs && failedWorkers === 0),
        note: `${available} AVAILABLE, ${failedWorkers} FAILED; createWorker calls (${CREATE_CONCURRENCY} in flight) answered in ${seconds(createdMs)}; the job process has ${slots} slots per kind, a provision holds one only for a step (a look), not through its waits`,
      },
      {
        scenario,
        metric: "RunInstances calls",
        value: `${count(runInstances)} for ${count(workers)} workers`,
        reference: `paced by the fleet's bucket per account and region (default AWS_EC2_RUN_INSTANCES_BUCKET 1000, refill 2/s: EC2's own); target one per worker, none refused`,
        verdict: verdict(runInstances === workers),
        note: "the simulator's count of RunInstances requests; a throttled or retried launch would show as more",
      },
      {
        scenario,
        metric: "DescribeInstances calls",
        value: `${count(describeInstances)} for ${count(workers)} workers (${(describeInstances / workers).toFixed(2)} per worker)`,
        reference: `every waiting worker's look at EC2 joins its region's batch (one call of up to 200 ids while the last is out), paced by AWS_EC2_NON_MUTATING_BUCKET (100, refill 20/s: EC2's own); target within that bucket over the run (${count(describeBudget)})`,
        verdict: verdict(describeInstances <= describeBudget),
        note: "the simulator's count of DescribeInstances requests, beside RunInstances; without coalescing each look would be one call",
      },
      {
        scenario,
        metric: "instances launched per worker",
        value: `${exactlyOne} of ${workers} exactly 1 (max ${Math.max(...launchCounts)})`,
        reference: "target exactly 1 each",
        verdict: verdict(exactlyOne === workers),
      },
      {
        scenario,
        metric: "queue overhead per lifecycle job",
        value: `${ms(percentile(firstSlots, 0.5))} enqueue -> start with a free slot`,
        reference: `wait incl. queueing for a slot p50 ${ms(percentile(waits, 0.5))}, max ${ms(percentile(waits, 1))}; in-processor p50 ${ms(percentile(running, 0.5))}`,
        verdict: "n/a",
        note: `from BullMQ's timestamps of ${count(finished.length)} provision jobs`,
      },
    ];
  });
}

export const provisioningScenario: Scenario = {
  name: "provisioning",
  title: "Provisioning",
  method: [
    `the simulator (own process) boots instances in ${BOOT_DELAY_MS / 1000} s and makes CML ready ${CML_READY_DELAY_MS / 1000} s later; the API and the job process are children composed as in production (default job concurrency and CML polling), the job process without repeating schedules`,
    "the runner sends all createWorker mutations at once, then polls Postgres until every worker is RUNNING with CML AVAILABLE (or FAILED); time is from the first call",
    `sizes: ${sizes(false)
      .map((size) => `${size.workers} creates (target ${size.targetMs / 1000} s)`)
      .join(" and ")}; quick: ${sizes(true)
      .map((size) => `${size.workers}`)
      .join(
        " and ",
      )}, each on a fresh simulator, schema, Redis prefix, API and job process; createWorker calls ${CREATE_CONCURRENCY} in flight at a time`,
    "instances per worker: the simulator's instances grouped by their cml-fleet:worker-id tag; queue overhead: BullMQ's own timestamps (processedOn - timestamp) of the jobs that found a free slot, with the full wait and the in-processor time as reference",
  ],
  run: measure,
};
