import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { subscriberCount } from "../../../platform/test/support/test-redis";
import { dataOf, gql, PATIENCE, subscribeWs } from "./support/graphql-client";
import { subscribeSse } from "./support/sse-client";
import { type TestApi, useTestFleet } from "./support/test-fleet";

const { fleet, api: first } = useTestFleet("subscriptions");
let second: TestApi;

beforeAll(async () => {
  // A second replica of the API sharing one Postgres and one Redis.
  second = await fleet.startApi();
});

/** Redis tells when a replica's subscriber is on the channel, so the test publishes only then. */
async function waitForSubscribers(topic: string, count: number): Promise<void> {
  const channel = `${fleet.prefix}:${topic}`;
  await expect.poll(() => subscriberCount(fleet.redis, channel), PATIENCE).toBeGreaterThanOrEqual(count);
}

interface WorkerChanged {
  workerChanged: { id: string; name: string; updatedAt: string; tags: { key: string; value: string }[] };
}

async function createWorker(api: TestApi, name: string): Promise<string> {
  const result = dataOf(
    await gql<{ createWorker: { worker: { id: string } } }>(
      api.url,
      `mutation($name: String!) { createWorker(input: { name: $name, region: "us-east-1" }) { worker { id } } }`,
      { token: fleet.tokens.ADMIN, variables: { name } },
    ),
  );
  return result.createWorker.worker.id;
}

describe("subscriptions across replicas", () => {
  it("delivers workerChanged over WebSocket from a change made through the other replica, newest updatedAt last", async () => {
    const subscription = subscribeWs<WorkerChanged>(
      first.wsUrl,
      "subscription { workerChanged { id name updatedAt tags { key value } } }",
      { token: fleet.tokens.VIEWER },
    );
    try {
      await waitForSubscribers(TOPICS.workerChanged, 1);
      const id = await createWorker(second, "across");
      await gql(
        second.url,
        `mutation($id: ID!) { setWorkerTags(id: $id, tags: [{ key: "k", value: "v" }]) { id } }`,
        {
          token: fleet.tokens.OPERATOR,
          variables: { id },
        },
      );
      const changes = await vi.waitFor(() => {
        const mine = subscription.events.filter((event) => event.workerChanged.id === id);
        expect(mine.length).toBeGreaterThanOrEqual(2);
        return mine;
      }, PATIENCE);
      expect(changes[0]?.workerChanged.name).toBe("across");
      expect(changes[1]?.workerChanged.tags).toEqual([{ key: "k", value: "v" }]);
      const [before, after] = changes.map((change) => Date.parse(change.workerChanged.updatedAt));
      expect(after).toBeGreaterThan(before ?? Number.POSITIVE_INFINITY);
      expect(subscription.errors).toEqual([]);
    } finally {
      await subscription.dispose();
    }
  });

  it("filters workerChanged by id", async () => {
    const watched = await createWorker(second, "watched");
    const subscription = subscribeWs<WorkerChanged>(
      first.wsUrl,
      "subscription($id: ID) { workerChanged(id: $id) { id } }",
      { token: fleet.tokens.VIEWER, variables: { id: watched } },
    );
    try {
      await waitForSubscribers(TOPICS.workerChanged, 1);
      await createWorker(second, "unwatched");
      await gql(
        second.url,
        `mutation($id: ID!) { keepAlive(id: $id, until: "2020-01-01T00:00:00Z") { id } }`,
        {
          token: fleet.tokens.OPERATOR,
          variables: { id: watched },
        },
      );
      await gql(
        second.url,
        `mutation($id: ID!) { setIdlePolicy(id: $id, input: { enabled: false }) { id } }`,
        {
          token: fleet.tokens.OPERATOR,
          variables: { id: watched },
        },
      );
      await expect.poll(() => subscription.events.length, PATIENCE).toBeGreaterThanOrEqual(1);
      expect(subscription.events.every((event) => event.workerChanged.id === watched)).toBe(true);
    } finally {
      await subscription.dispose();
    }
  });

  it("delivers fleetEvents over SSE and jobUpdated over WebSocket", async () => {
    const events = subscribeSse<{ fleetEvents: { type: string; workerId: string; actor: string } }>(
      first.url,
      "subscription { fleetEvents { type workerId actor message } }",
      { token: fleet.tokens.VIEWER },
    );
    const jobs = subscribeWs<{ jobUpdated: { name: string; workerId: string; state: string } }>(
      first.wsUrl,
      "subscription { jobUpdated { id name workerId state } }",
      { token: fleet.tokens.VIEWER },
    );
    try {
      await waitForSubscribers(TOPICS.fleetEvent, 1);
      await waitForSubscribers(TOPICS.jobUpdated, 1);
      const id = await createWorker(second, "streamed");
      await expect
        .poll(() => events.events.find((event) => event.fleetEvents.workerId === id), PATIENCE)
        .toMatchObject({ fleetEvents: { type: "worker.created", actor: "bootstrap-admin" } });
      await expect
        .poll(() => jobs.events.find((event) => event.jobUpdated.workerId === id), PATIENCE)
        .toMatchObject({ jobUpdated: { name: "provision", state: "WAITING" } });
    } finally {
      await events.dispose();
      await jobs.dispose();
    }
  });
});

describe("shutdown", () => {
  it("closes with subscriptions open over WebSocket and SSE, then lets Redis go", async () => {
    const leaving = await fleet.startApi();
    const ws = subscribeWs(leaving.wsUrl, "subscription { workerChanged { id } }", {
      token: fleet.tokens.VIEWER,
    });
    const sse = subscribeSse(leaving.url, "subscription { fleetEvents { id } }", {
      token: fleet.tokens.VIEWER,
    });
    try {
      await waitForSubscribers(TOPICS.workerChanged, 1);
      await waitForSubscribers(TOPICS.fleetEvent, 1);
      // The order stack.md asks for: servers first (ends the streams), then Redis and the queue.
      await leaving.server.close();
      await leaving.app.close();
      const health = await fetch(`${leaving.origin}/healthz`).then(
        () => "answered",
        () => "refused",
      );
      expect(health).toBe("refused");
    } finally {
      await ws.dispose();
      await sse.dispose();
    }
  });
});
