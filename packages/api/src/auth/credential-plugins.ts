import type { ExecutionResult } from "graphql";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { ApiServerDeps } from "../http/server";
import { LIVE_CONNECTION_LIMITS } from "./credential-limits";
import { endableStream } from "./endable-stream";
import type { LiveCredentials, LiveEnding, LiveHold } from "./live-credentials";
import type { Principal } from "./principal";

/** Plugins keeping credentials checked on long-lived operations (SSE). */
export function credentialPlugins(deps: ApiServerDeps): Plugin[] {
  return [useStreamCredentials(deps.authentication.live)];
}

/**
 * An SSE subscription (its credential checked when the request came in)
 * is held under its credential: refused when the credential holds too many
 * connections, and ended, with an UNAUTHENTICATED error as its last event,
 * when the credential is revoked on any replica or expires. graphql-ws
 * operations are left to their socket, which is closed whole.
 */
function useStreamCredentials(live: LiveCredentials): Plugin {
  return {
    onSubscribe({ args }) {
      const principal = sseStreamPrincipal(args.contextValue);
      if (principal === null) {
        return;
      }
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) {
            return;
          }
          let hold: LiveHold | null = null;
          const endable = endableStream<ExecutionResult>(result, () => hold?.release());
          hold = live.hold(principal, { end: (ending) => endable.end(lastWord(ending)) });
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
function sseStreamPrincipal(context: unknown): Principal | null {
  if (typeof context !== "object" || context === null || "extra" in context) {
    return null;
  }
  // Yoga's Request may be the fetch ponyfill's, not the global class: recognised by shape.
  if (!("request" in context) || typeof context.request !== "object" || context.request === null) {
    return null;
  }
  if (!("access" in context) || typeof context.access !== "object" || context.access === null) {
    return null;
  }
  const access = context.access as { readonly principal?: Principal | null };
  return access.principal ?? null;
}

function isAsyncIterable<T>(value: T | AsyncIterable<T>): value is AsyncIterable<T> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
