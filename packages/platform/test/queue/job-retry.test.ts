import { randomBytes, randomUUID } from "node:crypto";
import { userActor } from "@cml-fleet/core/domain/actor";
import { ConflictError, NotFoundError } from "@cml-fleet/core/errors";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/observability/logger";
import { type BullmqJobQueue, createBullmqJobQueue } from "../../src/queue/bullmq-job-queue";
import { queueName } from "../../src/queue/queue-definitions";
import { deleteKeys, TEST_REDIS_URL } from "../support/test-redis";

const alice = userActor("u1", "alice");
const bob = userActor("u2", "bob");
const PATIENCE = { timeout: 10_000, interval: 20 } as const;

describe("job ids and retries in the BullMQ producer", () => {
  const prefix = `t-retry-${randomBytes(4).toString("hex")}`;
  const publisher: EventPublisher = {
    workerChanged: async () => {},
    fleetEvent: async () => {},
    jobUpdated: async () => {},
  };
  let queue: BullmqJobQueue;
  let connection: Redis;
  let stopWorker: Worker;
  const seen: unknown[] = [];

  beforeAll(() => {
    connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = createBullmqJobQueue({
      redisUrl: TEST_REDIS_URL,
      prefix,
      retry: { attempts: 1, backoffMs: 50 },
      publisher,
      logger: silentLogger,
    });
    // Records each run's data and fails it, so that there is a failed job to retry.
    stopWorker = new Worker(
      queueName("stop"),
      async (job) => {
        seen.push(job.data);
        throw new Error("stand-in failure");
      },
      { connection, prefix },
    );
    stopWorker.on("error", () => {});
  });

  afterAll(async () => {
    await stopWorker.close();
    await queue.close();
    await deleteKeys(connection, `${prefix}:`);
    await connection.quit();
  });

  it("reads no BullMQ key as a job: meta, id and the like name no job", async () => {
    // BullMQ keeps these beside the jobs; getJob("meta") would read the meta hash as a job.
    await connection.hset(`${prefix}:${queueName("stop")}:meta`, { opts: "{}", version: "x" });
    for (const id of ["meta", "id", "wait", "events", "stop.a:b"]) {
      expect(await queue.get(id)).toBeNull();
      expect(await queue.getWithRequest(id)).toBeNull();
      await expect(queue.retry(id)).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it("answers a job with the request it carries, and runs a failed one again with a re-planned payload", async () => {
    const workerId = randomUUID();
    const job = await queue.enqueue("stop", { workerId, actor: alice, reason: "end of class" });
    await expect.poll(async () => (await queue.get(job.id))?.state, PATIENCE).toBe("FAILED");

    const found = await queue.getWithRequest(job.id);
    expect(found?.info).toMatchObject({ id: job.id, name: "stop", workerId, state: "FAILED" });
    expect(found?.request).toEqual({
      kind: "stop",
      payload: { workerId, actor: alice, reason: "end of class" },
    });

    await expect(
      queue.retry(job.id, { kind: "start", payload: { workerId, actor: bob } }),
    ).rejects.toBeInstanceOf(ConflictError);
    const retried = await queue.retry(job.id, {
      kind: "stop",
      payload: { workerId, actor: bob, reason: "end of class" },
    });
    expect(retried).toMatchObject({ id: job.id, name: "stop" });
    await expect.poll(() => seen.length, PATIENCE).toBe(2);
    expect(seen[1]).toEqual({ workerId, actor: bob, reason: "end of class" });
    await expect.poll(async () => (await queue.get(job.id))?.state, PATIENCE).toBe("FAILED");
  });
});
