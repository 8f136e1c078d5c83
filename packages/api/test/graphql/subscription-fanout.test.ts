import { readFile } from "node:fs/promises";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { subscriberCount } from "../../../platform/test/support/test-redis";
import { anEvent, aWorker } from "../support/worker-factory";
import { dataOf, gql, PATIENCE } from "./support/graphql-client";
import { type GraphqlSocket, openGraphqlSocket } from "./support/live-clients";
import { useTestFleet } from "./support/test-fleet";

/**
 * The graphql-ws fan-out of one API process: subscribers that asked the same
 * thing and may see the same things share one execution per event (counted
 * here by the reads of a nested field that goes to Postgres on every
 * execution), a USER never shares with anyone who may see more, and a
 * subscriber that stops reading is closed (WS_MAX_BUFFERED_BYTES) while the
 * others receive everything.
 */
const MAX_BUFFERED_BYTES = 64 * 1024;
const { fleet, api } = useTestFleet("fanout", { env: { WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES) } });

/** `events` reads Postgres on every execution: one read per execution of the operation. */
const WATCH = "subscription { workerChanged { id name events(first: 1) { type } } }";
const WATCH_WORDED_OTHERWISE = "subscription Other { workerChanged { id name events(first: 1) { type } } }";

interface Changed {
  workerChanged: { id: string; name: string; events: { type: string }[] };
}

let watched: Worker;

beforeAll(async () => {
  watched = aWorker({ name: "watched", owner: "alice" });
  await fleet.workers.insert(watched, []);
});

const pubsub = () => api.app.deps.pubsub;

async function publish(worker: Worker): Promise<void> {
  await pubsub().publishConfirmed(TOPICS.workerChanged, worker);
}

async function subscribed(
  token: string,
  query: string,
  ids: readonly string[] = ["s"],
): Promise<GraphqlSocket> {
  const socket = await openGraphqlSocket(api.wsUrl, token);
  expect(socket.acknowledged).toBe(true);
  for (const id of ids) {
    socket.subscribe(id, query);
  }
  return socket;
}

const namesFor = (socket: GraphqlSocket, id = "s") =>
  socket.results<Changed>(id).map((result) => result.data?.workerChanged.name);

/**
 * Publishes `worker` renamed `name` until every socket has it under `id`: a
 * subscription is live only once the server has run its subscribe. Every
 * stream is in order, so after this nothing published before is on its way.
 */
async function settle(
  sockets: readonly GraphqlSocket[],
  name: string,
  worker: Worker = watched,
): Promise<void> {
  await vi.waitFor(async () => {
    await publish({ ...worker, name });
    for (const socket of sockets) {
      expect(namesFor(socket)).toContain(name);
    }
  }, PATIENCE);
}

async function userToken(name: string): Promise<string> {
  const created = dataOf(
    await gql<{ createApiToken: { token: string } }>(
      api.url,
      "mutation($name: String!) { createApiToken(name: $name, role: USER) { token } }",
      { token: fleet.tokens.ADMIN, variables: { name } },
    ),
  );
  return created.createApiToken.token;
}

async function closeAll(sockets: readonly GraphqlSocket[]): Promise<void> {
  await Promise.all(sockets.map((socket) => socket.close()));
}

describe("graphql-ws fan-out", () => {
  it("runs one execution per event for subscribers asking the same thing with the same role, and one more for each other operation or role", async () => {
    const viewers = await Promise.all(
      Array.from({ length: 5 }, () => subscribed(fleet.tokens.VIEWER, WATCH)),
    );
    const otherWording = await Promise.all(
      Array.from({ length: 2 }, () => subscribed(fleet.tokens.VIEWER, WATCH_WORDED_OTHERWISE)),
    );
    const operators = await Promise.all(
      Array.from({ length: 2 }, () => subscribed(fleet.tokens.OPERATOR, WATCH)),
    );
    const everyone = [...viewers, ...otherWording, ...operators];
    try {
      await settle(everyone, "primed");
      // One Redis subscription for the whole process, however many subscribers and executions it has.
      expect(await subscriberCount(fleet.redis, `${fleet.prefix}:${TOPICS.workerChanged}`)).toBe(1);
      // A worker none of them has read yet: nothing of it is in any loader.
      const measured = aWorker({ name: "measured" });
      await fleet.workers.insert(measured, []);
      const statements = await fleet.db.recordStatements(async () => {
        await publish(measured);
        await vi.waitFor(() => {
          for (const socket of everyone) {
            expect(namesFor(socket)).toContain("measured");
          }
        }, PATIENCE);
      });
      const eventReads = statements.filter((statement) => statement.includes('"fleet_events"'));
      // Three executions: the viewers' WATCH, the viewers' other wording, the operators' WATCH; not nine.
      expect(eventReads).toHaveLength(3);
      for (const socket of everyone) {
        expect(namesFor(socket).filter((name) => name === "measured")).toHaveLength(1);
      }
    } finally {
      await closeAll(everyone);
    }
  });

  it("never shares a USER's execution with an ADMIN's of the same document: the USER gets only its own worker", async () => {
    const bobs = aWorker({ name: "bobs", owner: "bob" });
    await fleet.workers.insert(bobs, []);
    const alice = await subscribed(await userToken("alice"), WATCH);
    const admin = await subscribed(fleet.tokens.ADMIN, WATCH);
    try {
      await settle([alice, admin], "primed-for-owners");
      await publish({ ...bobs, name: "bobs-change" });
      await settle([alice, admin], "after-bobs-change");
      expect(namesFor(admin)).toContain("bobs-change");
      expect(namesFor(alice)).not.toContain("bobs-change");
      expect(alice.results<Changed>("s").map((result) => result.data?.workerChanged.id)).not.toContain(
        bobs.id,
      );
    } finally {
      await closeAll([alice, admin]);
    }
  });

  it("reads a worker's nested fields afresh for every event, not once for the subscription's life", async () => {
    const worker = aWorker({ name: "fresh" });
    await fleet.workers.insert(worker, []);
    const socket = await subscribed(fleet.tokens.VIEWER, WATCH);
    try {
      await settle([socket], "before-its-event", worker);
      await fleet.workers.appendEvents([anEvent({ workerId: worker.id, type: "worker.tags_applied" })]);
      await publish({ ...worker, name: "after-its-event" });
      await vi.waitFor(() => expect(namesFor(socket)).toContain("after-its-event"), PATIENCE);
      const eventsIn = (name: string) =>
        socket.results<Changed>("s").find((result) => result.data?.workerChanged.name === name)?.data
          ?.workerChanged.events;
      expect(eventsIn("before-its-event")).toEqual([]);
      expect(eventsIn("after-its-event")).toEqual([{ type: "worker.tags_applied" }]);
    } finally {
      await socket.close();
    }
  });

  it("closes a subscriber that stops reading (1013, too slow) once WS_MAX_BUFFERED_BYTES wait for it, while the others receive every event", async () => {
    const slowIds = Array.from({ length: 10 }, (_, n) => `slow-${n}`);
    const slow = await subscribed(fleet.tokens.VIEWER, WATCH, ["s", ...slowIds]);
    const fast = await subscribed(fleet.tokens.VIEWER, WATCH);
    try {
      await settle([slow, fast], "primed-for-slow");
      slow.pause();
      // What the kernel buffers between the two sockets is sent before anything waits in the API process.
      const enough = (await kernelSocketBufferBytes()) + MAX_BUFFERED_BYTES;
      const padding = "x".repeat(64 * 1024);
      const perEvent = padding.length * (slowIds.length + 1);
      const published: string[] = [];
      for (let sent = 0; sent <= enough * 2; sent += perEvent) {
        const name = `burst-${published.length}-${padding}`;
        published.push(name);
        await publish({ ...watched, name });
      }
      await settle([fast], "after-burst");
      slow.resume();
      const closed = await slow.closed;
      expect(closed.code).toBe(1013);
      expect(closed.reason).toMatch(/^too slow/);
      // Dropped, not queued: what the slow one got is a strict prefix of what was published.
      const slowGot = namesFor(slow).filter((name) => name?.startsWith("burst-"));
      expect(slowGot.length).toBeLessThan(published.length);
      expect(slowGot).toEqual(published.slice(0, slowGot.length));
      expect(namesFor(fast).filter((name) => name?.startsWith("burst-"))).toEqual(published);
    } finally {
      await closeAll([slow, fast]);
    }
  });
});

/** The most the kernel holds for a loopback connection (the receiver's and the sender's buffers), from /proc. */
async function kernelSocketBufferBytes(): Promise<number> {
  const largest = async (file: string) => Number((await readFile(file, "utf8")).trim().split(/\s+/).at(-1));
  try {
    return (await largest("/proc/sys/net/ipv4/tcp_rmem")) + (await largest("/proc/sys/net/ipv4/tcp_wmem"));
  } catch {
    return 64 * 1024 * 1024;
  }
}
