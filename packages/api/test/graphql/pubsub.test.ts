import { randomBytes } from "node:crypto";
import { createFleetPubSub } from "@cml-fleet/platform/pubsub/fleet-pubsub";
import { createRedisEventPublisher } from "@cml-fleet/platform/pubsub/redis-event-publisher";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { Redis, type RedisOptions } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { subscriberCount, TEST_REDIS_URL } from "../../../platform/test/support/test-redis";
import { recordingLogger } from "../support/recording-logger";
import { aWorker } from "../support/worker-factory";
import { PATIENCE } from "./support/graphql-client";

const clients: Redis[] = [];
function redis(url = TEST_REDIS_URL, options: RedisOptions = {}): Redis {
  const client = new Redis(url, options);
  client.on("error", () => undefined);
  clients.push(client);
  return client;
}

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.quit()));
});

describe("the fleet pub/sub over Redis", () => {
  const prefix = `test-pubsub-${randomBytes(4).toString("hex")}:`;

  it("delivers a worker, Dates intact, to a subscriber in another process-like instance with the same prefix only", async () => {
    const listening = createFleetPubSub({
      publishClient: redis(),
      subscribeClient: redis(),
      keyPrefix: prefix,
      logger: recordingLogger(),
    });
    const elsewhere = createFleetPubSub({
      publishClient: redis(),
      subscribeClient: redis(),
      keyPrefix: `${prefix}other:`,
      logger: recordingLogger(),
    });
    const publisher = createRedisEventPublisher(
      createFleetPubSub({
        publishClient: redis(),
        subscribeClient: redis(),
        keyPrefix: prefix,
        logger: recordingLogger(),
      }),
    );
    const received: unknown[] = [];
    const strays: unknown[] = [];
    const stream = listening.subscribe(TOPICS.workerChanged);
    const strayStream = elsewhere.subscribe(TOPICS.workerChanged);
    const reading = (async () => {
      for await (const worker of stream) {
        received.push(worker);
      }
    })();
    const strayReading = (async () => {
      for await (const worker of strayStream) {
        strays.push(worker);
      }
    })();
    const probe = redis();
    const channel = `${prefix}${TOPICS.workerChanged}`;
    await expect.poll(() => subscriberCount(probe, channel), PATIENCE).toBeGreaterThan(0);
    const worker = aWorker({ name: "sent" });
    await publisher.workerChanged(worker);
    await expect.poll(() => received[0], PATIENCE).toEqual(worker);
    expect((received[0] as { updatedAt: unknown }).updatedAt).toBeInstanceOf(Date);
    expect(strays).toEqual([]);
    await stream.return();
    await strayStream.return();
    await Promise.all([reading, strayReading]);
    await listening.drained(1_000);
  });

  it("reports a publish that Redis refuses instead of crashing the process", async () => {
    const logger = recordingLogger();
    // Nothing listens on port 1: every command fails at once.
    const dead = redis("redis://127.0.0.1:1", {
      enableOfflineQueue: false,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    const pubsub = createFleetPubSub({
      publishClient: dead,
      subscribeClient: dead,
      keyPrefix: prefix,
      logger,
    });
    await createRedisEventPublisher(pubsub).workerChanged(aWorker());
    await expect.poll(() => logger.at("warn")[0]?.msg, PATIENCE).toBe("redis publish failed");
  });
});
