import { GraphQLError } from "graphql";
import type { Authentication } from "../auth/authenticate";
import type { RateLimit, RateLimiter } from "./rate-limiter";

/**
 * The bucket a request counts against: its credential when it has a valid
 * one (clients behind one NAT or proxy do not share), else its remote address
 * (a made-up token must not buy a fresh bucket).
 */
export function clientKey(authentication: Authentication, remoteAddress: string): string {
  return authentication.kind === "authenticated"
    ? `credential:${authentication.principal.id}`
    : `address:${remoteAddress}`;
}

/**
 * The peer address of the connection carrying an operation, from yoga's server
 * context: `req` for HTTP and SSE (the node adapter), `extra.request` for a
 * graphql-ws operation. Unknown shapes share one bucket, which fails closed.
 */
export function remoteAddressOf(serverContext: unknown): string {
  const request = fieldOf(serverContext, "req") ?? fieldOf(fieldOf(serverContext, "extra"), "request");
  const address = fieldOf(fieldOf(request, "socket"), "remoteAddress");
  return typeof address === "string" ? address : "unknown";
}

function fieldOf(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && key in value
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Takes one operation from the client's bucket, or throws the refusal: HTTP
 * 429 with Retry-After, QUOTA_EXCEEDED for the contract. Called before the
 * context is built, so a refused request writes nothing (not even the audit
 * row of a bad credential).
 */
export function takeOrRefuse(
  limiter: RateLimiter,
  limit: RateLimit,
  authentication: Authentication,
  serverContext: unknown,
): void {
  const decision = limiter.take(clientKey(authentication, remoteAddressOf(serverContext)));
  if (decision.allowed) {
    return;
  }
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  throw new GraphQLError(
    `Too many requests from this client: the limit is ${limit.perMinute} operations a minute (${limit.burst} at once). Retry in ${seconds}s.`,
    {
      extensions: {
        code: "QUOTA_EXCEEDED",
        retryAfterSeconds: seconds,
        http: { status: 429, headers: { "retry-after": String(seconds) } },
      },
    },
  );
}
