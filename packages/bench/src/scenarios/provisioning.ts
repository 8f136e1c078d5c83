import { generateTokenSecret } from "@cml-fleet/api/auth/token-secret";
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

async function measure(ctx: BenchContext): Promise<ResultRow[]> {
  const workers = ctx.quick ? 10 : 100;
  const scenario = `Provisioning: ${workers} concurrent createWorker`;
  return withCleanup(async (defer) => {
    const sim = await startSimChild({
      bootDelayMs: BOOT_DELAY_MS,
      cmlReadyDelayMs: CML_READY_DELAY_MS,
      statusCheckDelayMs: 500,
    });
    defer(() => sim.child.stop());
    const db = await createBenchDatabase(ctx.databaseUrl, schemaName(ctx.runId, "prov"));
    defer(() => db.drop());
    const token = generateTokenSecret();
    const prefix = `bench-${ctx.runId}-prov`;
    defer(() => deleteRedisKeys(ctx.redisUrl, prefix));
    const env = fleetChildEnv(
      ctx,
      { schema: db.schema, redisPrefix: prefix },
      { ...simCmlEnv(sim), BOOTSTRAP_ADMIN_TOKEN: token },
    );
    const api = await spawnChild("api-child.ts", env);
    defer(() => api.child.stop());
    const jobs = await spawnChild("jobs-child.ts", env);
    defer(() => jobs.child.stop());
    jobs.child.send({ type: "runtime" });
    const slots = Number((await jobs.child.next("runtime", 10_000)).concurrency);
    const repository = createWorkerRepository(db.database.db);

    ctx.log(`  ${workers} concurrent createWorker calls`);
    const started = performance.now();
    const created = await Promise.all(
      Array.from({ length: workers }, async (_, index) => {
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
      }),
    );
    const createdMs = performance.now() - started;
    const ids = new Set(created);
    const timeoutMs = ctx.quick ? 90_000 : 300_000;
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
      200,
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
    const delays = BOOT_DELAY_MS + CML_READY_DELAY_MS;
    return [
      {
        scenario,
        metric: "time until all AVAILABLE",
        value: seconds(allDone),
        reference: `boot ${BOOT_DELAY_MS / 1000} s + CML ready ${CML_READY_DELAY_MS / 1000} s; target <= ${seconds(delays + SLACK_TARGET_MS)}`,
        verdict: verdict(
          Number.isFinite(allDone) && allDone <= delays + SLACK_TARGET_MS && failedWorkers === 0,
        ),
        note: `${available} AVAILABLE, ${failedWorkers} FAILED; createWorker calls answered in ${seconds(createdMs)}; the job process runs ${slots} provision jobs at once`,
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
    "instances per worker: the simulator's instances grouped by their cml-fleet:worker-id tag; queue overhead: BullMQ's own timestamps (processedOn - timestamp) of the jobs that found a free slot, with the full wait and the in-processor time as reference",
  ],
  run: measure,
};
