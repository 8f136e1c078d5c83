import type { IncomingMessage } from "node:http";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { type ExecutionArgs, GraphQLError } from "graphql";
import { CloseCode, handleProtocols, MessageType, makeServer, parseMessage, type Server } from "graphql-ws";
import type { WebSocket, WebSocketServer } from "ws";
import { type Authentication, authenticate, recheckCredential } from "../auth/authenticate";
import { LIVE_CONNECTION_LIMITS } from "../auth/credential-limits";
import type { LiveEnding, LiveHold } from "../auth/live-credentials";
import type { GraphQLContext } from "../graphql/context";
import { loadersFor, requestIdFrom } from "../graphql/context-factory";
import type { WorkerLoaders } from "../graphql/loaders";
import type { FleetYoga } from "./fleet-yoga";
import type { ApiServerDeps } from "./server";
import { createSubscriptionSharing, type Subscriber, shareKeyOf } from "./shared-subscriptions";
import { createSocketOutbox, type SocketOutbox } from "./socket-outbox";

/**
 * Close codes this server ends a connection with, in graphql-ws's range:
 * its clients do not retry after 4401 or 4429, and reconnect after 4403
 * (where they get the new role).
 */
export const WS_CLOSE = {
  /** The credential stopped being good: revoked or expired. */
  credentialInvalid: 4401,
  /** The credential is good but what it may do changed: connect again. */
  credentialChanged: 4403,
  /** The credential already holds as many connections as it may. */
  tooManyConnections: 4429,
  /**
   * The client reads slower than events come: more than WS_MAX_BUFFERED_BYTES
   * waited for it. 1013 (try again later) rather than a 44xx code, because a
   * reconnect, which reads the current state afresh, is the right answer.
   */
  tooSlow: 1013,
} as const;

/** One connection's credential: as sent, and as last checked. */
interface ConnectionCredential {
  readonly authorization: unknown;
  readonly authentication: Authentication;
  /** The connection's place among its credential's live connections; null when anonymous or rejected. */
  readonly hold: LiveHold | null;
}

/** What each graphql-ws context carries besides the protocol state. */
interface SocketExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  /** Set once the connection is initialised. */
  credential?: ConnectionCredential;
}

/**
 * graphql-ws on the yoga envelop: the same schema, plugins (limits, error
 * mapping) and context as HTTP. The credential comes from the connection
 * params; it is checked at connection and again for every operation, and the
 * connection is closed when the credential is revoked (on any replica) or
 * expires.
 */
export function serveGraphqlWs(deps: ApiServerDeps, yoga: FleetYoga, sockets: WebSocketServer) {
  const { live } = deps.authentication;
  const maxBufferedBytes = deps.edge.wsMaxBufferedBytes;
  const closeTooSlow = (socket: WebSocket) => {
    // Operators see it: a client closed over and over is one whose link or host cannot keep up with the fleet.
    deps.logger.warn(
      { bufferedBytes: socket.bufferedAmount, maxBufferedBytes },
      "graphql-ws connection closed as too slow a reader",
    );
    closeSocket(
      socket,
      WS_CLOSE.tooSlow,
      `too slow: more than ${maxBufferedBytes} bytes waited to be read; connect again`,
    );
  };
  const outbox = createSocketOutbox({ maxBufferedBytes, closeTooSlow });
  const sharing = createSubscriptionSharing({ outbox });
  const server = makeServer<Record<string, unknown>, SocketExtra>({
    onConnect: async (ctx) => {
      const authorization = ctx.connectionParams?.authorization;
      const authentication = await authenticate(deps.authentication, authorization);
      const { socket } = ctx.extra;
      if (socket.readyState !== socket.OPEN) {
        return false;
      }
      let hold: LiveHold | null = null;
      // A rejected credential is answered per operation (UNAUTHENTICATED), as on HTTP; it holds nothing.
      if (authentication.kind === "authenticated") {
        const opened = authentication.principal;
        hold = live.hold(opened, {
          end: (ending) => closeSocket(socket, closeCodeOf(ending), ending.message),
          recheck: () => recheckCredential(deps.authentication, authorization, opened),
        });
        if (hold === null) {
          closeSocket(
            socket,
            WS_CLOSE.tooManyConnections,
            `too many connections: this credential already holds ${LIVE_CONNECTION_LIMITS.connectionsPerCredential}`,
          );
          return false;
        }
      }
      ctx.extra.credential = { authorization, authentication, hold };
      return true;
    },
    onClose: (ctx) => {
      ctx.extra.credential?.hold?.release();
    },
    onSubscribe: async (ctx, id, payload) => {
      const credential = ctx.extra.credential;
      // onConnect always sets it; failing closed keeps a future refactor from opening a hole.
      if (credential === undefined) {
        return [unauthenticated("connection was not initialised")];
      }
      // This operation is already among them.
      if (Object.keys(ctx.subscriptions).length > LIVE_CONNECTION_LIMITS.operationsPerConnection) {
        return [
          new GraphQLError(
            `too many operations on this connection: at most ${LIVE_CONNECTION_LIMITS.operationsPerConnection} at once; complete one first or open another connection`,
            { extensions: { code: "QUOTA_EXCEEDED" } },
          ),
        ];
      }
      const authentication = await recheck(credential);
      if (authentication.kind === "rejected" && credential.authentication.kind === "authenticated") {
        // It was good when the socket opened: revoked or expired since. Nothing more goes over this socket.
        credential.hold?.release();
        const message = `credential no longer valid: ${authentication.reason}`;
        closeSocket(ctx.extra.socket, WS_CLOSE.credentialInvalid, message);
        return [unauthenticated(message)];
      }
      const enveloped = yoga.getEnveloped({
        ...ctx,
        authentication,
        requestId: requestIdFrom(null),
        params: payload,
      });
      let document: ReturnType<typeof enveloped.parse>;
      try {
        document = enveloped.parse(payload.query);
      } catch (error) {
        return [asGraphQLError(error)];
      }
      const errors = enveloped.validate(enveloped.schema, document);
      if (errors.length > 0) {
        return errors;
      }
      let contextValue: Awaited<ReturnType<typeof enveloped.contextFactory>>;
      try {
        contextValue = await enveloped.contextFactory();
      } catch (error) {
        return [asGraphQLError(error)];
      }
      const key = shareKeyOf(contextValue, document, payload);
      const root: EnvelopedRoot = {
        execute: enveloped.execute,
        subscribe: enveloped.subscribe,
        share:
          key === null
            ? null
            : {
                key,
                subscriber: { socket: ctx.extra.socket, id },
                afterEvent: loadersPerEvent(contextValue, () => loadersFor(deps.reads)),
              },
      };
      const args: ExecutionArgs = {
        schema: enveloped.schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue,
        rootValue: root,
      };
      return args;
    },
    execute: (args) => envelopedRoot(args.rootValue).execute(args),
    subscribe: async (args) => {
      const root = envelopedRoot(args.rootValue);
      // Every subscriber's own subscribe runs (its checks and errors are its own); the stream is then shared.
      const result = await root.subscribe(args);
      if (root.share === null || !(Symbol.asyncIterator in result)) {
        return result;
      }
      return sharing.join(root.share.key, result, root.share.subscriber, root.share.afterEvent);
    },
  });
  return serveOnSockets(server, sockets, deps.logger, { maxBufferedBytes, closeTooSlow, outbox });

  /**
   * The credential checked again for one operation: a revoked token or an
   * expired JWT is refused even before its revocation message arrives. No
   * credential stays anonymous, and a rejected one stays rejected.
   */
  function recheck(credential: ConnectionCredential): Promise<Authentication> {
    return credential.authentication.kind === "authenticated"
      ? authenticate(deps.authentication, credential.authorization)
      : Promise.resolve(credential.authentication);
  }
}

/** How often an idle socket is pinged; one that does not answer by the next ping is dropped. */
const KEEP_ALIVE_MS = 12_000;

/** What a client may send; the server's own message types coming from a client are a bad request. */
const CLIENT_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  MessageType.ConnectionInit,
  MessageType.Ping,
  MessageType.Pong,
  MessageType.Subscribe,
  MessageType.Complete,
]);

/**
 * graphql-ws's protocol server on `ws` sockets, as its `use/ws` starter does
 * (protocol negotiation, keep-alive pings), except that what a client gets
 * wrong is answered as its error: a message type only servers send closes
 * the socket with 4400 Bad Request (the starter closes with 4500, as if the
 * server had failed), and a send to a client that has already gone is no
 * error at all. Only a failure of the server's own is 4500, and logged.
 */
function serveOnSockets(
  server: Server<SocketExtra>,
  sockets: WebSocketServer,
  logger: Logger,
  backpressure: {
    maxBufferedBytes: number;
    closeTooSlow: (socket: WebSocket) => void;
    /** Holds the shared subscriptions' messages of this turn: written before any message of graphql-ws's own. */
    outbox: SocketOutbox;
  },
) {
  sockets.options.handleProtocols = handleProtocols;
  sockets.on("error", (error) => logger.error({ err: error }, "WebSocket server error"));
  sockets.on("connection", (socket, request) => {
    // ws has already closed the socket (e.g. 1009 for an oversized message); an unheard 'error' would end the process.
    socket.on("error", (error) => logger.debug({ err: error }, "WebSocket client error"));
    backpressure.outbox.open(socket, request.socket);
    let answered = true;
    const pinging = setInterval(() => {
      if (!answered) {
        socket.terminate();
        return;
      }
      answered = false;
      socket.ping();
    }, KEEP_ALIVE_MS);
    socket.on("pong", () => {
      answered = true;
    });
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise((resolve, reject) => {
            // A complete or an error comes after the events posted before it (a flush may close a slow reader).
            backpressure.outbox.flush(socket);
            if (socket.readyState !== socket.OPEN) {
              resolve();
              return;
            }
            if (socket.bufferedAmount > backpressure.maxBufferedBytes) {
              backpressure.closeTooSlow(socket);
              resolve();
              return;
            }
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => closeSocket(socket, code ?? 1000, reason ?? ""),
        onMessage: (handle) =>
          socket.on("message", (data) => {
            const text = String(data);
            const refusal = refusalOf(text);
            if (refusal !== null) {
              closeSocket(socket, CloseCode.BadRequest, refusal);
              return;
            }
            handle(text).catch((error: unknown) => {
              if (socket.readyState !== socket.OPEN) {
                return;
              }
              logger.error({ err: error }, "graphql-ws message handling failed");
              closeSocket(socket, CloseCode.InternalServerError, "Internal server error");
            });
          }),
      },
      { socket, request },
    );
    socket.once("close", (code, reason) => {
      clearInterval(pinging);
      closed(code, reason.toString("utf8")).catch((error: unknown) =>
        logger.error({ err: error }, "graphql-ws close handling failed"),
      );
    });
  });
  return {
    async dispose() {
      for (const client of sockets.clients) {
        client.close(1001, "Going away");
      }
      sockets.removeAllListeners("connection");
    },
  };
}

/**
 * Why a message is refused before graphql-ws sees it, or null. A message
 * that is not one at all is left to graphql-ws, which answers it with 4400.
 */
function refusalOf(text: string): string | null {
  let type: string;
  try {
    ({ type } = parseMessage(text));
  } catch {
    return null;
  }
  return CLIENT_MESSAGE_TYPES.has(type) ? null : `Bad request: a client does not send ${type} messages`;
}

function closeCodeOf(ending: LiveEnding): number {
  switch (ending.cause) {
    case "revoked":
    case "expired":
      return WS_CLOSE.credentialInvalid;
    case "role-changed":
      return WS_CLOSE.credentialChanged;
  }
}

/** A WebSocket close reason is at most 123 bytes (RFC 6455); a longer one would make `ws` throw. */
const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Closes at once: once `close` is called nothing more is sent on the socket
 * (graphql-ws sends only while it is open), whatever is still in flight.
 */
function closeSocket(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === socket.CLOSING || socket.readyState === socket.CLOSED) {
    return;
  }
  let bounded = reason;
  while (Buffer.byteLength(bounded) > MAX_CLOSE_REASON_BYTES) {
    bounded = bounded.slice(0, -1);
  }
  socket.close(code, bounded);
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED" } });
}

/** The per-operation execute/subscribe of the envelop, carried from onSubscribe in the root value. */
type Enveloped = ReturnType<FleetYoga["getEnveloped"]>;
interface EnvelopedRoot {
  execute: Enveloped["execute"];
  subscribe: Enveloped["subscribe"];
  /** Where a shareable subscription joins others (see shared-subscriptions.ts); null when it is not shared. */
  share: { key: string; subscriber: Subscriber; afterEvent: () => void } | null;
}

/**
 * Gives a subscription's context new loaders after each event: a loader
 * keeps what it read, and a subscription's context lives as long as the
 * subscription. The context stays the same object (envelop's plugins may
 * key their state on it). Returns what to call after each event.
 */
function loadersPerEvent(context: GraphQLContext, fresh: () => WorkerLoaders): () => void {
  let current = context.loaders;
  Object.defineProperty(context, "loaders", { get: () => current, enumerable: true, configurable: true });
  return () => {
    current = fresh();
  };
}

function envelopedRoot(rootValue: unknown): EnvelopedRoot {
  if (
    typeof rootValue === "object" &&
    rootValue !== null &&
    "execute" in rootValue &&
    typeof rootValue.execute === "function" &&
    "subscribe" in rootValue &&
    typeof rootValue.subscribe === "function" &&
    "share" in rootValue
  ) {
    return rootValue as EnvelopedRoot;
  }
  throw new Error("graphql-ws operation without its enveloped root value");
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) {
    // `extensions.http` (status, Retry-After) is yoga's instruction for an HTTP answer; yoga strips it there.
    const { http: _http, ...extensions } = error.extensions;
    return _http === undefined ? error : new GraphQLError(error.message, { nodes: error.nodes, extensions });
  }
  return new GraphQLError(error instanceof Error ? error.message : "invalid request", {
    extensions: { code: "BAD_USER_INPUT" },
  });
}
