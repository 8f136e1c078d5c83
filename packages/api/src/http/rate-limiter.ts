/** How often one client may start GraphQL operations: `perMinute` sustained, `burst` at once; 0 per minute is no limit. */
export interface RateLimit {
  readonly perMinute: number;
  readonly burst: number;
}

export type RateDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterMs: number };

export interface RateLimiter {
  /** Takes one token from the client's bucket, or says how long until one is there. */
  take(clientKey: string): RateDecision;
  /** How many clients have a bucket now (bounded by `maxClients`). */
  readonly clients: number;
}

export interface RateLimiterOptions {
  /** Milliseconds since some fixed point; tests give their own. */
  readonly now?: () => number;
  /** The most buckets kept: past it, idle (full) buckets go, then the least recently used. */
  readonly maxClients?: number;
}

const ALLOWED: RateDecision = { allowed: true };
const DEFAULT_MAX_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per client, in this process's memory: each API process
 * counts on its own, so N replicas allow N times the rate in total. Memory is
 * bounded: a bucket that has refilled is the same as no bucket and is the
 * first to go; under a flood of distinct clients the least recently seen go.
 */
export function createRateLimiter(limit: RateLimit, options: RateLimiterOptions = {}): RateLimiter {
  const now = options.now ?? (() => performance.now());
  const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
  const perMs = limit.perMinute / 60_000;
  // Map order is insertion order: re-inserting on use keeps the least recently used first.
  const buckets = new Map<string, Bucket>();

  function refilled(bucket: Bucket, at: number): number {
    return Math.min(limit.burst, bucket.tokens + (at - bucket.at) * perMs);
  }

  function evict(at: number): void {
    for (const [key, bucket] of buckets) {
      if (refilled(bucket, at) >= limit.burst) {
        buckets.delete(key);
      }
    }
    // Trimming below the cap leaves room, so a flood does not sweep the whole map on every request.
    const target = Math.floor(maxClients * 0.9);
    for (const key of buckets.keys()) {
      if (buckets.size <= target) {
        break;
      }
      buckets.delete(key);
    }
  }

  return {
    get clients() {
      return buckets.size;
    },
    take(clientKey) {
      if (limit.perMinute === 0) {
        return ALLOWED;
      }
      const at = now();
      const known = buckets.get(clientKey);
      const tokens = known === undefined ? limit.burst : refilled(known, at);
      buckets.delete(clientKey);
      if (tokens < 1) {
        buckets.set(clientKey, { tokens, at });
        return { allowed: false, retryAfterMs: Math.ceil((1 - tokens) / perMs) };
      }
      buckets.set(clientKey, { tokens: tokens - 1, at });
      if (buckets.size > maxClients) {
        evict(at);
      }
      return ALLOWED;
    },
  };
}
