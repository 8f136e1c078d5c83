import { randomBytes } from "node:crypto";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { createFleetPubSub } from "@cml-fleet/platform/pubsub/fleet-pubsub";
import { createRedisEventPublisher } from "@cml-fleet/platform/pubsub/redis-event-publisher";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { Redis, type RedisOptions } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { aWorker } from "../support/worker-factory";
import { eventually } from "./support/graphql-client";
import { TEST_REDIS_URL } from "./support/test-fleet";

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

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger = {
    warnings,
    debug: () => undefined,
    info: () => undefined,
    warn: (_obj: object, msg?: string) => warnings.push(msg ?? ""),
    error: () => undefined,
    child: () => logger,
  };
  return logger;
}

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
    await eventually(async () => {
      const [, count] = (await probe.pubsub("NUMSUB", `${prefix}${TOPICS.workerChanged}`)) as [
        string,
        number,
      ];
      return count > 0 ? true : undefined;
    });
    const worker = aWorker({ name: "sent" });
    await publisher.workerChanged(worker);
    await eventually(() => (received.length > 0 ? true : undefined));
    expect(received[0]).toEqual(worker);
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
    await eventually(() => (logger.warnings.length > 0 ? true : undefined));
    expect(logger.warnings[0]).toBe("redis publish failed");
  });
});
