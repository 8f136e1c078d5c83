import WebSocket from "ws";
import type { GraphQLErrorJson } from "./graphql-client";

/** A message of the graphql-transport-ws protocol, as the server sent it. */
export interface ServerMessage {
  readonly type: string;
  readonly id?: string;
  readonly payload?: unknown;
}

export interface SocketClose {
  readonly code: number;
  readonly reason: string;
}

/** The `data` or `errors` of a result, on a socket or a stream. */
export interface ResultPayload<T> {
  readonly data?: T | null;
  readonly errors?: readonly GraphQLErrorJson[];
}

/**
 * One graphql-transport-ws connection spoken by hand, so that a test sees
 * exactly what the server sends on that one socket (no reconnects, no
 * client-side retries) and how it closes it.
 */
export interface GraphqlSocket {
  /** Whether the server acknowledged the connection (else it closed it: see `closed`). */
  readonly acknowledged: boolean;
  readonly messages: ServerMessage[];
  /** Resolves when the socket has closed, with the code and reason the server gave. */
  readonly closed: Promise<SocketClose>;
  /** Sends a `subscribe` message (a subscription, query or mutation) under `id`. */
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  complete(id: string): void;
  /** The `next` payloads received for `id`. */
  results<T>(id: string): ResultPayload<T>[];
  /** The errors of an `error` message for `id` (the operation was refused). */
  refusal(id: string): GraphQLErrorJson[] | null;
  /** Stops reading from the socket, as a client too busy to keep up does: what the server sends piles up. */
  pause(): void;
  /** Reads again: what piled up arrives, and then the close, if the server gave up meanwhile. */
  resume(): void;
  close(): Promise<void>;
}

export async function openGraphqlSocket(wsUrl: string, token: string | null): Promise<GraphqlSocket> {
  const socket = new WebSocket(wsUrl, "graphql-transport-ws");
  const messages: ServerMessage[] = [];
  const closed = new Promise<SocketClose>((resolve) => {
    socket.on("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") }));
  });
  const acknowledged = await new Promise<boolean>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("open", () => {
      socket.send(
        JSON.stringify({
          type: "connection_init",
          payload: token === null ? {} : { authorization: `Bearer ${token}` },
        }),
      );
    });
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      messages.push(message);
      if (message.type === "connection_ack") {
        resolve(true);
      }
    });
    void closed.then(() => resolve(false));
  });

  const send = (message: Record<string, unknown>) =>
    // Sending on a socket the server has closed is not this helper's error: the test looks at what came back.
    socket.send(JSON.stringify(message), () => undefined);

  return {
    acknowledged,
    messages,
    closed,
    subscribe(id, query, variables = {}) {
      send({ id, type: "subscribe", payload: { query, variables } });
    },
    complete(id) {
      send({ id, type: "complete" });
    },
    results<T>(id: string) {
      return messages
        .filter((message) => message.id === id && message.type === "next")
        .map((message) => message.payload as ResultPayload<T>);
    },
    refusal(id) {
      const refused = messages.find((message) => message.id === id && message.type === "error");
      return refused === undefined ? null : (refused.payload as GraphQLErrorJson[]);
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    async close() {
      if (socket.readyState !== WebSocket.CLOSED) {
        socket.close(1000);
        await closed;
      }
    },
  };
}

/** One SSE subscription (yoga's distinct-connections mode), with what it received and when it ended. */
export interface SseStream<T> {
  readonly results: ResultPayload<T>[];
  /** Resolves when the server has ended the stream (or it failed: `failure`). */
  readonly ended: Promise<void>;
  readonly status: Promise<number>;
  failure: unknown;
  dispose(): Promise<void>;
}

export function openSseStream<T>(
  url: string,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): SseStream<T> {
  const results: ResultPayload<T>[] = [];
  const abort = new AbortController();
  const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
  if (token !== null) {
    headers.authorization = `Bearer ${token}`;
  }
  let answered: (status: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => {
    answered = resolve;
  });
  const stream: SseStream<T> = {
    results,
    status,
    failure: null,
    ended: (async () => {
      const response = await fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
        signal: abort.signal,
      });
      answered(response.status);
      if (response.body === null) {
        return;
      }
      const decoder = new TextDecoder();
      let buffer = "";
      const reader = response.body.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        buffer += decoder.decode(chunk.value, { stream: true });
        for (let boundary = buffer.indexOf("\n\n"); boundary !== -1; boundary = buffer.indexOf("\n\n")) {
          const event = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const data = event
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).trim())
            .join("\n");
          if (data !== "" && !event.split("\n").includes("event: complete")) {
            results.push(JSON.parse(data) as ResultPayload<T>);
          }
        }
      }
    })().catch((error: unknown) => {
      answered(0);
      if (!abort.signal.aborted) {
        stream.failure = error;
      }
    }),
    async dispose() {
      abort.abort();
      await stream.ended;
    },
  };
  return stream;
}
