import type { ExecutionResult } from "graphql";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { ApiServerDeps } from "../http/server";
import { type AuthenticatorDeps, recheckCredential } from "./authenticate";
import { LIVE_CONNECTION_LIMITS } from "./credential-limits";
import { endableStream } from "./endable-stream";
import type { LiveEnding, LiveHold } from "./live-credentials";
import type { Principal } from "./principal";

/** Plugins keeping credentials checked on long-lived operations (SSE). */
export function credentialPlugins(deps: ApiServerDeps): Plugin[] {
  return [useStreamCredentials(deps.authentication)];
}

/**
 * An SSE subscription (its credential checked when the request came in)
 * is held under its credential: refused when the credential holds too many
 * connections, and ended, with an UNAUTHENTICATED error as its last event,
 * when the credential is revoked on any replica or expires. graphql-ws
 * operations are left to their socket, which is closed whole.
 */
function useStreamCredentials(deps: AuthenticatorDeps): Plugin {
  return {
    onSubscribe({ args }) {
      const stream = sseStreamCredential(args.contextValue);
      if (stream === null) {
        return;
      }
      const { principal, authorization } = stream;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) {
            return;
          }
          let hold: LiveHold | null = null;
          const endable = endableStream<ExecutionResult>(result, () => hold?.release());
          hold = deps.live.hold(principal, {
            end: (ending) => endable.end(lastWord(ending)),
            recheck: () => recheckCredential(deps, authorization, principal),
          });
          if (hold === null) {
            endable.end({
              errors: [
                new GraphQLError(
                  `too many connections: this credential already holds ${LIVE_CONNECTION_LIMITS.connectionsPerCredential} (WebSocket connections and SSE streams); close one first`,
                  { extensions: { code: "QUOTA_EXCEEDED" } },
                ),
              ],
            });
          }
          setResult(endable.stream);
        },
      };
    },
  };
}

function lastWord(ending: LiveEnding): ExecutionResult {
  return { errors: [new GraphQLError(ending.message, { extensions: { code: "UNAUTHENTICATED" } })] };
}

/**
 * The principal of an operation that came over HTTP (yoga's context has the
 * request; a graphql-ws operation's has the socket's context, with its
 * `extra`, instead), or null when it is anonymous or not HTTP.
 */
function sseStreamCredential(
  context: unknown,
): { readonly principal: Principal; readonly authorization: string | null } | null {
  if (typeof context !== "object" || context === null || "extra" in context) {
    return null;
  }
  // Yoga's Request may be the fetch ponyfill's, not the global class: recognised by shape.
  if (!("request" in context) || !hasHeaders(context.request)) {
    return null;
  }
  if (!("access" in context) || typeof context.access !== "object" || context.access === null) {
    return null;
  }
  const access = context.access as { readonly principal?: Principal | null };
  const principal = access.principal ?? null;
  return principal === null
    ? null
    : { principal, authorization: context.request.headers.get("authorization") };
}

function hasHeaders(request: unknown): request is { readonly headers: Headers } {
  return (
    typeof request === "object" &&
    request !== null &&
    "headers" in request &&
    typeof request.headers === "object" &&
    request.headers !== null &&
    "get" in request.headers &&
    typeof request.headers.get === "function"
  );
}

function isAsyncIterable<T>(value: T | AsyncIterable<T>): value is AsyncIterable<T> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
