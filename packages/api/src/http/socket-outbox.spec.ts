import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { createSocketOutbox, type SocketOutbox } from "./socket-outbox";

interface Pair {
  readonly server: WebSocket;
  readonly received: string[];
  arrived(count: number): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) {
    await cleanup();
  }
});

/** A real loopback WebSocket pair, the server side registered in `outbox`. */
async function connectedPair(outbox: SocketOutbox): Promise<Pair> {
  const sockets = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(sockets, "listening");
  const { port } = sockets.address() as AddressInfo;
  const accepted = once(sockets, "connection");
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const received: string[] = [];
  client.on("message", (data) => received.push(String(data)));
  await once(client, "open");
  const [server, request] = (await accepted) as [WebSocket, IncomingMessage];
  outbox.open(server, request.socket);
  cleanups.push(async () => {
    client.terminate();
    await new Promise<void>((resolve) => sockets.close(() => resolve()));
  });
  return {
    server,
    received,
    async arrived(count) {
      while (received.length < count) {
        await once(client, "message");
      }
    },
  };
}

const tolerant = { maxBufferedBytes: 1024 * 1024, closeTooSlow: () => undefined };

describe("createSocketOutbox", () => {
  it("writes a socket's messages of one turn at the end of the turn, in the order they were posted", async () => {
    const outbox = createSocketOutbox(tolerant);
    const pair = await connectedPair(outbox);
    outbox.post(pair.server, "one");
    outbox.post(pair.server, "two");
    expect(pair.server.bufferedAmount).toBe(0);
    outbox.post(pair.server, "three");
    await pair.arrived(3);
    expect(pair.received).toEqual(["one", "two", "three"]);
  });

  it("writes what waits before a message that must come after it", async () => {
    const outbox = createSocketOutbox(tolerant);
    const pair = await connectedPair(outbox);
    outbox.post(pair.server, "event");
    outbox.flush(pair.server);
    pair.server.send("complete");
    await pair.arrived(2);
    expect(pair.received).toEqual(["event", "complete"]);
  });

  it("closes a reader with too much waiting for it instead of writing more, and drops what was posted", async () => {
    const closed: WebSocket[] = [];
    const outbox = createSocketOutbox({
      maxBufferedBytes: -1,
      closeTooSlow: (socket) => closed.push(socket),
    });
    const pair = await connectedPair(outbox);
    outbox.post(pair.server, "never");
    outbox.flush(pair.server);
    expect(closed).toEqual([pair.server]);
    pair.server.send("after");
    await pair.arrived(1);
    expect(pair.received).toEqual(["after"]);
  });
});
