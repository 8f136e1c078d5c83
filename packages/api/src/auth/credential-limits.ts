/**
 * Bounds on what one credential may hold open, and on the API's calls to an
 * OIDC issuer. Constants rather than settings: they protect the process, and
 * no deployment has needed other values (see the api README, "Limits").
 */
export const LIVE_CONNECTION_LIMITS = {
  /**
   * Operations at once on one graphql-ws connection (subscriptions, and
   * queries or mutations still running). The monitor uses three; a browser
   * page rarely more than ten.
   */
  operationsPerConnection: 25,
  /**
   * WebSocket connections plus SSE streams one credential (an API token, or
   * an OIDC subject) may hold open on one API process: a few monitors and
   * browser tabs each, not a leaked reconnect loop.
   */
  connectionsPerCredential: 20,
  /**
   * How often each credential holding connections is checked again. Redis
   * pub/sub delivers at most once: a replica whose subscriber was
   * reconnecting misses a revocation, and this bounds how long that lasts.
   * One prepared statement per credential (not per connection) each time.
   */
  recheckEveryMs: 30_000,
} as const;

export interface OidcFetchLimits {
  /** The discovery document and the JWKS: an issuer that does not answer in time is treated as down. */
  readonly timeoutMs: number;
  /** After the issuer failed (discovery or keys), calls wait this long, doubling on each failure up to the max. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** jose refetches the JWKS on an unknown key id at most this often. */
  readonly jwksCooldownMs: number;
  /** Characters of a discovery document: an issuer's is a few thousand. */
  readonly maxDiscoveryChars: number;
}

export const OIDC_FETCH_LIMITS: OidcFetchLimits = {
  timeoutMs: 5_000,
  retryInitialMs: 1_000,
  retryMaxMs: 60_000,
  jwksCooldownMs: 30_000,
  maxDiscoveryChars: 64 * 1024,
};
