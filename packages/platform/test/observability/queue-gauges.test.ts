import { randomBytes } from "node:crypto";
import { type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/observability/logger";
import {
  createQueueGaugeRefresher,
  createQueueGauges,
  type QueueGauges,
  readQueueSnapshot,
} from "../../src/observability/queue-gauges";
import { markJobProcessGone, markJobProcessLive } from "../../src/queue/live-job-processes";
import { queueName } from "../../src/queue/queue-definitions";
import { deleteKeys, TEST_REDIS_URL } from "../support/test-redis";

/** The value of one series of a gauge, or undefined when the series is absent. */
async function seriesValue(
  gauges: QueueGauges,
  name: keyof QueueGauges,
  labels: Readonly<Record<string, string>> = {},
) {
  const { values } = await gauges[name].get();
  return values.find((value) => {
    const present: Readonly<Record<string, string | number | undefined>> = value.labels;
    return Object.entries(labels).every(([key, label]) => present[key] === label);
  })?.value;
}

describe("the queue gauges (real BullMQ queues on a real Redis, one pipeline per scrape)", () => {
  const prefix = `t-qgauges-${randomBytes(4).toString("hex")}`;
  const keysPrefix = `${prefix}:`;
  let redis: Redis;
  let worker: Redis;
  const queues: Queue[] = [];
  const workers: Worker[] = [];
  let sweepJob: Job;
  let oldestRefresh: Job;
  let dueStop: Job;
  let release: () => void = () => {};

  const queueOf = (kind: string) => {
    const queue = new Queue(queueName(kind as never), { connection: redis, prefix });
    queues.push(queue);
    return queue;
  };

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    worker = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const refresh = queueOf("refresh");
    oldestRefresh = await refresh.add("refresh", { workerId: "w1" });
    await refresh.add("refresh", { workerId: "w2" });
    await refresh.add("refresh", { workerId: "w3" }, { delay: 3_600_000 });

    // One job runs (held until the end), one fails for good.
    const start = queueOf("start");
    await start.add("start", { n: 1 });
    await start.add("start", { n: 2, fail: true }, { attempts: 1 });
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const startWorker = new Worker(
      queueName("start"),
      async (job) => {
        if (job.data.fail === true) {
          throw new Error("refused");
        }
        await held;
      },
      { connection: worker, prefix, concurrency: 2 },
    );
    workers.push(startWorker);
    await new Promise<void>((resolve) => startWorker.once("failed", () => resolve()));

    // A sweep on its schedule that has run once.
    const sweep = queueOf("telemetry-sweep");
    await sweep.upsertJobScheduler(
      "telemetry-sweep",
      { every: 60_000 },
      { name: "telemetry-sweep", data: {} },
    );
    const sweepWorker = new Worker(queueName("telemetry-sweep"), async () => "done", {
      connection: new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }),
      prefix,
    });
    workers.push(sweepWorker);
    sweepJob = await new Promise<Job>((resolve) => sweepWorker.once("completed", (job) => resolve(job)));
    await sweepWorker.close();

    // A stop added with a delay that has passed, promoted to wait: its wait began when it fell due.
    const stop = queueOf("stop");
    dueStop = await stop.add("stop", { workerId: "w9" }, { delay: 1 });
    await dueStop.promote();

    // Two live job processes and one whose heartbeat expired.
    const now = Date.now();
    await markJobProcessLive(redis.multi(), keysPrefix, "p1", now + 15_000, now).exec();
    await markJobProcessLive(redis.multi(), keysPrefix, "p2", now + 15_000, now).exec();
    await redis.zadd(`${keysPrefix}job-processes`, now - 1_000, "p-dead");
  }, 30_000);

  afterAll(async () => {
    release();
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all(queues.map((q) => q.close()));
    await deleteKeys(redis, prefix);
    redis.disconnect();
    worker.disconnect();
  });

  it("counts each kind's jobs by state, reads the sweeps' last run and period, and the live processes", async () => {
    const registry = new Registry();
    const gauges = createQueueGauges(registry);
    await createQueueGaugeRefresher({
      gauges,
      redis,
      bullmqPrefix: prefix,
      keysPrefix,
      logger: silentLogger,
    })();

    expect(await seriesValue(gauges, "queueJobs", { kind: "refresh", state: "waiting" })).toBe(2);
    expect(await seriesValue(gauges, "queueJobs", { kind: "refresh", state: "delayed" })).toBe(1);
    expect(await seriesValue(gauges, "queueJobs", { kind: "start", state: "active" })).toBe(1);
    expect(await seriesValue(gauges, "queueJobs", { kind: "start", state: "failed" })).toBe(1);
    expect(await seriesValue(gauges, "queueJobs", { kind: "stop", state: "waiting" })).toBe(1);
    // The scheduler's next run waits in delayed.
    expect(await seriesValue(gauges, "queueJobs", { kind: "telemetry-sweep", state: "delayed" })).toBe(1);

    expect(await seriesValue(gauges, "sweepLastRun", { kind: "telemetry-sweep" })).toBe(
      (sweepJob.finishedOn ?? 0) / 1000,
    );
    expect(await seriesValue(gauges, "sweepInterval", { kind: "telemetry-sweep" })).toBe(60);
    // A sweep that never ran, with no schedule: no series rather than a made-up instant.
    expect(await seriesValue(gauges, "sweepLastRun", { kind: "idle-check" })).toBeUndefined();
    expect(await seriesValue(gauges, "sweepInterval", { kind: "idle-check" })).toBeUndefined();

    expect(await seriesValue(gauges, "jobProcesses")).toBe(2);
    const text = await registry.metrics();
    expect(text).toContain('cml_fleet_queue_jobs{kind="refresh",state="waiting"} 2');
    expect(text).toContain("cml_fleet_job_processes 2");
  });

  it("ages each kind's job next in line from when it could first run, and reads 0 where none waits", async () => {
    const registry = new Registry();
    const gauges = createQueueGauges(registry);
    const now = Date.now() + 60_000;
    await createQueueGaugeRefresher({
      gauges,
      redis,
      bullmqPrefix: prefix,
      keysPrefix,
      logger: silentLogger,
      now: () => now,
    })();

    // The first of the two waiting refreshes; the delayed third does not count as waiting.
    expect(await seriesValue(gauges, "oldestWaiting", { kind: "refresh" })).toBe(
      (now - oldestRefresh.timestamp) / 1000,
    );
    // A delayed job waits from when its delay ended (BullMQ zeroes the hash's delay; the opts keep it).
    expect(await seriesValue(gauges, "oldestWaiting", { kind: "stop" })).toBe(
      (now - dueStop.timestamp - 1) / 1000,
    );
    // One start runs and one failed; the sweep's next run is only delayed; nothing was ever added to import.
    expect(await seriesValue(gauges, "oldestWaiting", { kind: "start" })).toBe(0);
    expect(await seriesValue(gauges, "oldestWaiting", { kind: "telemetry-sweep" })).toBe(0);
    expect(await seriesValue(gauges, "oldestWaiting", { kind: "import" })).toBe(0);
    expect(await registry.metrics()).toContain('cml_fleet_queue_oldest_waiting_seconds{kind="import"} 0');
  });

  it("reads all of it in one round trip, and a process that stops leaves the count at once", async () => {
    let sent = 0;
    const counted = new Redis(TEST_REDIS_URL);
    const original = counted.pipeline.bind(counted);
    counted.pipeline = (...args: Parameters<typeof original>) => {
      sent += 1;
      return original(...args);
    };
    try {
      await markJobProcessGone(redis, keysPrefix, "p2");
      const snapshot = await readQueueSnapshot(
        { redis: counted, bullmqPrefix: prefix, keysPrefix },
        Date.now(),
      );
      expect(snapshot.jobProcesses).toBe(1);
      expect(sent).toBe(1);
    } finally {
      counted.disconnect();
    }
  });

  it("keeps the last values and counts the failure when Redis does not answer", async () => {
    const registry = new Registry();
    const gauges = createQueueGauges(registry);
    const broken = new Redis(TEST_REDIS_URL, { lazyConnect: true, enableOfflineQueue: false });
    const refresh = createQueueGaugeRefresher({
      gauges,
      redis: broken,
      bullmqPrefix: prefix,
      keysPrefix,
      logger: silentLogger,
    });
    gauges.jobProcesses.set(3);
    await refresh();
    expect(await seriesValue(gauges, "scrapeErrors")).toBe(1);
    expect(await seriesValue(gauges, "jobProcesses")).toBe(3);
    broken.disconnect();
  });
});
