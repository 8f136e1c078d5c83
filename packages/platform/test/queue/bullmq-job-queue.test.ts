import { randomBytes } from "node:crypto";
import { userActor } from "@cml-fleet/core/domain/actor";
import type { JobInfo } from "@cml-fleet/core/domain/job";
import { ConflictError, UpstreamUnavailableError } from "@cml-fleet/core/errors";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import { UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/observability/logger";
import { type BullmqJobQueue, createBullmqJobQueue } from "../../src/queue/bullmq-job-queue";
import { queueName } from "../../src/queue/queue-definitions";
import { deleteKeys, TEST_REDIS_URL } from "../support/test-redis";

const alice = userActor("u1", "alice");

describe("the BullMQ producer behind the JobQueue port", () => {
  const prefix = `t-queue-${randomBytes(4).toString("hex")}`;
  const published: JobInfo[] = [];
  const publisher: EventPublisher = {
    workerChanged: async () => {},
    fleetEvent: async () => {},
    jobUpdated: async (job) => void published.push(job),
  };
  let queue: BullmqJobQueue;
  let connection: Redis;
  const workers: Worker[] = [];

  /** A stand-in job worker for the refresh queue; `behaviour` decides each run's outcome. */
  function serveRefresh(behaviour: (workerId: string) => Promise<unknown>): Worker {
    const worker = new Worker(queueName("refresh"), async (job) => behaviour(String(job.data.workerId)), {
      connection,
      prefix,
    });
    worker.on("error", () => {});
    workers.push(worker);
    return worker;
  }

  beforeAll(() => {
    connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = createBullmqJobQueue({
      redisUrl: TEST_REDIS_URL,
      prefix,
      retry: { attempts: 2, backoffMs: 50 },
      publisher,
      logger: silentLogger,
      pollIntervalMs: 20,
    });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
  });
  afterAll(async () => {
    await queue.close();
    await deleteKeys(connection, `${prefix}:`);
    await connection.quit();
  });

  it("joins a second request for the same operation on the same worker", async () => {
    const first = await queue.enqueue("stop", { workerId: "w-join", actor: alice, reason: "a" });
    const second = await queue.enqueue("stop", { workerId: "w-join", actor: alice, reason: "b" });

    expect(second.id).toBe(first.id);
    expect(first).toMatchObject({ id: "stop.w-join", name: "stop", workerId: "w-join", state: "WAITING" });
    expect(await queue.list({ workerId: "w-join", first: 10 })).toHaveLength(1);
    expect(published.some((job) => job.id === "stop.w-join")).toBe(true);
  });

  it("returns a job's result, and starts a new job once the previous one finished", async () => {
    serveRefresh(async (workerId) => ({ refreshed: workerId }));
    const job = await queue.enqueue("refresh", { workerId: "w-result", actor: alice });

    expect(await queue.waitForResult(job.id, 20_000)).toEqual({ refreshed: "w-result" });
    expect((await queue.get(job.id))?.state).toBe("COMPLETED");

    const again = await queue.enqueue("refresh", { workerId: "w-result", actor: alice });
    expect(again.id).toBe(job.id);
    expect(["WAITING", "ACTIVE", "COMPLETED"]).toContain(again.state);
    expect(await queue.waitForResult(again.id, 20_000)).toEqual({ refreshed: "w-result" });
  });

  it("keeps a failed job's last error and re-runs it on retry", async () => {
    let healthy = false;
    serveRefresh(async () => {
      if (!healthy) {
        throw new UnrecoverableError("permission denied");
      }
      return "ok";
    });
    const job = await queue.enqueue("refresh", { workerId: "w-retry", actor: alice });

    await expect(queue.waitForResult(job.id, 20_000)).rejects.toThrow(/permission denied/);
    const failed = await queue.get(job.id);
    expect(failed).toMatchObject({ state: "FAILED", failedReason: "permission denied", attempts: 1 });
    expect(await queue.list({ states: ["FAILED"], first: 10 })).toEqual([
      expect.objectContaining({ id: job.id }),
    ]);

    healthy = true;
    await queue.retry(job.id);
    expect(await queue.waitForResult(job.id, 20_000)).toBe("ok");
    await expect(queue.retry(job.id)).rejects.toBeInstanceOf(ConflictError);
  });

  it("tells when a job began: no startedAt while it waits, the moment a job process took it once active and done", async () => {
    const waiting = await queue.enqueue("refresh", { workerId: "w-started", actor: alice });
    expect(waiting).toMatchObject({ state: "WAITING", startedAt: null });

    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    serveRefresh(() => held.then(() => "done"));
    await expect.poll(async () => (await queue.get(waiting.id))?.state, { timeout: 20_000 }).toBe("ACTIVE");
    const active = await queue.get(waiting.id);
    expect(active?.startedAt).toBeInstanceOf(Date);
    expect(active?.startedAt?.getTime()).toBeGreaterThanOrEqual(waiting.createdAt.getTime());

    release();
    await queue.waitForResult(waiting.id, 20_000);
    const completed = await queue.get(waiting.id);
    expect(completed).toMatchObject({ state: "COMPLETED", startedAt: active?.startedAt });
    expect(published.find((job) => job.id === waiting.id && job.state === "WAITING")?.startedAt).toBeNull();
  });

  it("reads many jobs at once as get reads each, leaving out unknown ids and jobs that are gone", async () => {
    serveRefresh(async () => "ok");
    const done = await queue.enqueue("refresh", { workerId: "w-many-1", actor: alice });
    await queue.waitForResult(done.id, 20_000);
    await workers
      .splice(0)
      .reduce((closing, worker) => closing.then(() => worker.close()), Promise.resolve());
    const waiting = await queue.enqueue("refresh", { workerId: "w-many-2", actor: alice });
    const stopped = await queue.enqueue("stop", { workerId: "w-many-3", actor: alice, reason: "r" });

    const ids = [done.id, waiting.id, stopped.id, "stop.w-none", "meta", "refresh.w-many-1.x"];
    const many = await queue.getMany(ids);

    expect([...many.keys()].sort()).toEqual([done.id, waiting.id, stopped.id].sort());
    for (const id of many.keys()) {
      expect(many.get(id)).toEqual(await queue.get(id));
    }
    expect(many.get(done.id)).toMatchObject({ state: "COMPLETED", workerId: "w-many-1" });
    expect(many.get(stopped.id)).toMatchObject({ state: "WAITING", name: "stop", workerId: "w-many-3" });
  });

  it("answers UPSTREAM_UNAVAILABLE at once when Redis does not answer", async () => {
    const offline = createBullmqJobQueue({
      redisUrl: "redis://127.0.0.1:1",
      prefix,
      retry: { attempts: 1, backoffMs: 50 },
      publisher,
      logger: silentLogger,
    });
    try {
      await expect(offline.enqueue("refresh", { workerId: "w-x", actor: alice })).rejects.toBeInstanceOf(
        UpstreamUnavailableError,
      );
    } finally {
      await offline.close();
    }
  });
});
