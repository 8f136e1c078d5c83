import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import type { ConnectionState } from "../src/data/fleet-types";
import { createSubscriptionLink, type SubscriptionLink } from "../src/data/subscription-link";

/**
 * A bare graphql-transport-ws server: enough protocol to see the link
 * authenticate, subscribe, receive, lose the server and come back.
 */
async function startProtocolServer(port = 0) {
  const server = new WebSocketServer({
    host: "127.0.0.1",
    port,
    handleProtocols: () => "graphql-transport-ws",
  });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const subscriptions = new Map<WebSocket, string[]>();
  const authorizations: unknown[] = [];
  let rejections = 0;
  let subscribeCount = 0;
  server.on("connection", (socket) => {
    socket.on("message", (raw) => {
      const message = JSON.parse(String(raw)) as {
        type: string;
        id?: string;
        payload?: { authorization?: unknown };
      };
      if (message.type === "connection_init") {
        authorizations.push(message.payload?.authorization);
        socket.send(JSON.stringify({ type: "connection_ack" }));
      } else if (message.type === "subscribe" && message.id) {
        subscribeCount += 1;
        if (rejections > 0) {
          rejections -= 1;
          const error = {
            message: "Not allowed: subscribe needs a token",
            extensions: { code: "FORBIDDEN" },
          };
          socket.send(JSON.stringify({ id: message.id, type: "error", payload: [error] }));
          return;
        }
        subscriptions.set(socket, [...(subscriptions.get(socket) ?? []), message.id]);
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      }
    });
    socket.on("close", () => subscriptions.delete(socket));
  });
  return {
    port: (server.address() as AddressInfo).port,
    authorizations,
    rejectNextSubscribes(count: number) {
      rejections = count;
    },
    subscribeCount: () => subscribeCount,
    subscriberCount: () => [...subscriptions.values()].reduce((sum, ids) => sum + ids.length, 0),
    publish(data: unknown) {
      for (const [socket, ids] of subscriptions) {
        for (const id of ids) {
          socket.send(JSON.stringify({ id, type: "next", payload: { data } }));
        }
      }
    },
    async stop() {
      for (const client of server.clients) {
        client.terminate();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const until = (assertion: () => void) => vi.waitFor(assertion, { timeout: 15_000, interval: 20 });

describe("subscription link", () => {
  let link: SubscriptionLink | undefined;
  let stopServer: (() => Promise<void>) | undefined;

  afterEach(async () => {
    await link?.close();
    await stopServer?.();
  });

  it("authenticates, streams, shows reconnecting when the API goes away and resubscribes when it is back", async () => {
    const first = await startProtocolServer();
    stopServer = first.stop;
    const states: ConnectionState[] = [];
    const received: string[] = [];
    const errors: Error[] = [];
    link = createSubscriptionLink({
      url: `http://127.0.0.1:${first.port}/graphql`,
      token: "secret",
      backoff: { baseMs: 50, maxMs: 200 },
    });
    link.onConnectionChange((state) => states.push(state));
    link.subscribe<{ name: string }>("subscription { workerChanged { name } }", "workerChanged", {
      next: (worker) => received.push(worker.name),
      error: (error) => errors.push(error),
    });

    await until(() => expect(first.subscriberCount()).toBe(1));
    expect(states.at(-1)).toEqual({ kind: "live" });
    expect(first.authorizations).toEqual(["Bearer secret"]);
    first.publish({ workerChanged: { name: "alpha" } });
    await until(() => expect(received).toEqual(["alpha"]));

    await first.stop();
    await until(() => expect(states.at(-1)?.kind).toBe("reconnecting"));

    const second = await startProtocolServer(first.port);
    stopServer = second.stop;
    await until(() => expect(second.subscriberCount()).toBe(1));
    expect(states.at(-1)).toEqual({ kind: "live" });
    second.publish({ workerChanged: { name: "bravo" } });
    await until(() => expect(received).toEqual(["alpha", "bravo"]));
    expect(errors).toEqual([]);
  });

  it("keeps retrying while nothing listens, saying why", async () => {
    const probe = await startProtocolServer();
    await probe.stop();
    const states: ConnectionState[] = [];
    link = createSubscriptionLink({
      url: `http://127.0.0.1:${probe.port}/graphql`,
      token: null,
      backoff: { baseMs: 20, maxMs: 50 },
    });
    link.onConnectionChange((state) => states.push(state));
    link.subscribe("subscription { fleetEvents { id } }", "fleetEvents", {
      next: () => undefined,
      error: () => undefined,
    });
    await until(() => {
      const last = states.at(-1);
      expect(last?.kind === "reconnecting" && last.attempt).toBeGreaterThanOrEqual(3);
    });
    const last = states.at(-1);
    expect(last?.kind === "reconnecting" && last.reason).toMatch(/ECONNREFUSED/);
  });

  it("reports a GraphQL error on a stream and subscribes again after a pause", async () => {
    const server = await startProtocolServer();
    stopServer = server.stop;
    server.rejectNextSubscribes(1);
    const errors: string[] = [];
    const received: string[] = [];
    link = createSubscriptionLink({
      url: `http://127.0.0.1:${server.port}/graphql`,
      token: "t",
      backoff: { baseMs: 20, maxMs: 50 },
    });
    link.subscribe<{ id: string }>("subscription { fleetEvents { id } }", "fleetEvents", {
      next: (event) => received.push(event.id),
      error: (error) => errors.push(error.message),
    });
    await until(() => expect(server.subscriberCount()).toBe(1));
    expect(errors).toEqual(["Not allowed: subscribe needs a token"]);
    expect(server.subscribeCount()).toBe(2);
    server.publish({ fleetEvents: { id: "e1" } });
    await until(() => expect(received).toEqual(["e1"]));
  });
});
