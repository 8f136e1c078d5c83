import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { ApiError, apiErrorFromGraphql, describeFailure } from "./api-error";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff";
import type { StreamHandlers, Unsubscribe } from "./fleet-client.port";
import type { ConnectionState } from "./fleet-types";

export interface SubscriptionLinkOptions {
  /** The GraphQL HTTP URL; the WebSocket URL is derived from it (same path). */
  readonly url: string;
  readonly token: string | null;
  readonly backoff?: BackoffOptions;
}

export interface SubscriptionLink {
  subscribe<T>(query: string, field: string, handlers: StreamHandlers<T>): Unsubscribe;
  onConnectionChange(listener: (state: ConnectionState) => void): Unsubscribe;
  close(): Promise<void>;
}

export function toWebSocketUrl(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

/**
 * graphql-ws over `ws`, kept alive for as long as the monitor runs: the socket
 * reconnects forever with jittered backoff (never giving up, never throwing
 * into the UI), and each stream resubscribes by itself if the server ends it.
 */
export function createSubscriptionLink(options: SubscriptionLinkOptions): SubscriptionLink {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const listeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = { kind: "connecting" };
  let lastCloseReason: string | null = null;
  let closed = false;
  /** Ends the current backoff wait early, so closing never waits out a long delay. */
  let wakeRetry: (() => void) | null = null;

  const setState = (next: ConnectionState) => {
    state = next;
    for (const listener of listeners) {
      listener(next);
    }
  };

  const client: Client = createClient({
    url: toWebSocketUrl(options.url),
    webSocketImpl: WebSocket,
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
    retryAttempts: Number.POSITIVE_INFINITY,
    // Connection refused arrives as an error event, not a close event: retry those too.
    shouldRetry: () => true,
    retryWait: async (retries) => {
      const delay = backoffDelay(retries, backoff);
      setState({
        kind: "reconnecting",
        attempt: retries + 1,
        retryAt: Date.now() + delay,
        reason: lastCloseReason,
      });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wakeRetry = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeRetry = null;
    },
    keepAlive: 10_000,
    on: {
      connecting: (isRetry) => {
        if (isRetry && state.kind === "reconnecting") {
          setState({ ...state, retryAt: null });
        }
      },
      connected: () => {
        lastCloseReason = null;
        setState({ kind: "live" });
      },
      error: (error) => {
        lastCloseReason = describeFailure(error);
      },
      closed: (event) => {
        if (closed) {
          return;
        }
        const reason = describeFailure(event);
        // A bare 1006 says nothing a person can act on; keep the error that preceded it.
        if (lastCloseReason === null || !reason.includes("1006")) {
          lastCloseReason = reason;
        }
        if (state.kind !== "reconnecting") {
          setState({ kind: "reconnecting", attempt: 0, retryAt: null, reason: lastCloseReason });
        }
      },
    },
  });

  const subscribe = <T>(query: string, field: string, handlers: StreamHandlers<T>): Unsubscribe => {
    let disposed = false;
    let failures = 0;
    let timer: NodeJS.Timeout | undefined;
    let dispose: () => void = () => undefined;

    const resubscribeLater = () => {
      if (disposed || closed) {
        return;
      }
      timer = setTimeout(start, backoffDelay(failures, backoff));
      failures += 1;
    };

    function start() {
      dispose = client.subscribe<Record<string, T>>(
        { query },
        {
          next: (result) => {
            failures = 0;
            if (result.errors && result.errors.length > 0) {
              handlers.error(apiErrorFromGraphql(result.errors));
              return;
            }
            const value = result.data?.[field];
            if (value !== undefined && value !== null) {
              handlers.next(value);
            }
          },
          error: (error) => {
            handlers.error(
              Array.isArray(error)
                ? apiErrorFromGraphql(error)
                : new ApiError(describeFailure(error), "NETWORK"),
            );
            resubscribeLater();
          },
          complete: resubscribeLater,
        },
      );
    }

    start();
    return () => {
      disposed = true;
      clearTimeout(timer);
      dispose();
    };
  };

  return {
    subscribe,
    onConnectionChange(listener) {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      listeners.clear();
      wakeRetry?.();
      // dispose() waits for a connection attempt in flight and rejects if it fails;
      // neither matters to a client that is going away.
      await Promise.race([
        Promise.resolve(client.dispose()).catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 1000).unref()),
      ]);
    },
  };
}
