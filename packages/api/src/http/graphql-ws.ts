import { type ExecutionArgs, GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { WebSocket, WebSocketServer } from "ws";
import { type Authentication, authenticate, recheckCredential } from "../auth/authenticate";
import { LIVE_CONNECTION_LIMITS } from "../auth/credential-limits";
import type { LiveEnding, LiveHold } from "../auth/live-credentials";
import { requestIdFrom } from "../graphql/context-factory";
import type { FleetYoga } from "./fleet-yoga";
import type { ApiServerDeps } from "./server";

/**
 * Close codes this server ends a connection with (graphql-ws's own range,
 * so clients treat the first two as "do not retry with this credential").
 */
export const WS_CLOSE = {
  /** The credential stopped being good: revoked or expired. */
  credentialInvalid: 4401,
  /** The credential is good but what it may do changed: connect again. */
  credentialChanged: 4403,
  /** The credential already holds as many connections as it may. */
  tooManyConnections: 4429,
} as const;

/** One connection's credential: as sent, and as last checked. */
interface ConnectionCredential {
  readonly authorization: unknown;
  readonly authentication: Authentication;
  /** The connection's place among its credential's live connections; null when anonymous or rejected. */
  readonly hold: LiveHold | null;
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
  return useServer<Record<string, unknown>, { credential: ConnectionCredential }>(
    {
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
      onSubscribe: async (ctx, _id, payload) => {
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
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
        return args;
      },
      execute: (args) => envelopedRoot(args.rootValue).execute(args),
      subscribe: (args) => envelopedRoot(args.rootValue).subscribe(args),
    },
    sockets,
  );

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
}

function envelopedRoot(rootValue: unknown): EnvelopedRoot {
  if (
    typeof rootValue === "object" &&
    rootValue !== null &&
    "execute" in rootValue &&
    typeof rootValue.execute === "function" &&
    "subscribe" in rootValue &&
    typeof rootValue.subscribe === "function"
  ) {
    return rootValue as EnvelopedRoot;
  }
  throw new Error("graphql-ws operation without its enveloped root value");
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) {
    return error;
  }
  return new GraphQLError(error instanceof Error ? error.message : "invalid request", {
    extensions: { code: "BAD_USER_INPUT" },
  });
}
