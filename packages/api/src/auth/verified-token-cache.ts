import type { ApiToken, ApiTokenRepository } from "@cml-fleet/platform/repositories/api-token.repository";
import type { LiveCredentials } from "./live-credentials";

/** The two reads and writes authenticating a token makes. */
export type TokenLookup = Pick<ApiTokenRepository, "findActiveByHash" | "touchLastUsed">;

/**
 * How long a token found active is taken as still active without asking
 * Postgres again. A revocation through any replica clears the cache at once
 * (its message arrives before the revoking mutation answers); this bounds only
 * a replica that missed the message while its Redis subscriber was reconnecting.
 */
export const VERIFIED_TOKEN_TTL_MS = 5_000;

/** Tokens are few; past this many secrets, the cache starts over rather than grow. */
const MAX_ENTRIES = 1_000;

export interface VerifiedTokenCacheDeps {
  readonly tokens: TokenLookup;
  readonly live: Pick<LiveCredentials, "onRevoked">;
  /** Defaults to {@link VERIFIED_TOKEN_TTL_MS}. */
  readonly ttlMs?: number;
  /** A monotonic clock in ms; defaults to performance.now (the fleet's Clock may be frozen in tests). */
  readonly monotonicMs?: () => number;
}

interface Entry {
  /** Shared by the requests that arrive while the first one is still reading. */
  readonly lookup: Promise<ApiToken | null>;
  readonly until: number;
}

/**
 * Every HTTP request of a client carries the same bearer token: reading it
 * from Postgres each time was one statement in three of a page of workers.
 * Only tokens found active are kept (an unknown secret costs its statement
 * every time, as before), by hash, for {@link VERIFIED_TOKEN_TTL_MS}. Any
 * revocation, local or from another replica, empties the cache in the tick
 * it is heard, and a lookup begun before it is not kept: a token is never
 * taken as active on the strength of a read older than its revocation.
 */
export function createVerifiedTokenCache(deps: VerifiedTokenCacheDeps): TokenLookup {
  const ttlMs = deps.ttlMs ?? VERIFIED_TOKEN_TTL_MS;
  const now = deps.monotonicMs ?? (() => performance.now());
  const byHash = new Map<string, Entry>();
  /** When this process last stamped each token's lastUsedAt: the cached row's own value is as old as the read. */
  const touched = new Map<string, Date>();
  let generation = 0;

  deps.live.onRevoked(() => {
    generation++;
    byHash.clear();
    touched.clear();
  });

  function read(tokenHash: string): Promise<ApiToken | null> {
    const startedIn = generation;
    const lookup = deps.tokens.findActiveByHash(tokenHash);
    if (byHash.size >= MAX_ENTRIES) {
      byHash.clear();
      touched.clear();
    }
    const entry: Entry = { lookup, until: now() + ttlMs };
    byHash.set(tokenHash, entry);
    const forget = () => {
      if (byHash.get(tokenHash) === entry) {
        byHash.delete(tokenHash);
      }
    };
    lookup.then((token) => {
      // Not found, or read before a revocation heard since: the next request asks Postgres.
      if (token === null || generation !== startedIn) {
        forget();
      }
    }, forget);
    return lookup;
  }

  return {
    async findActiveByHash(tokenHash) {
      const entry = byHash.get(tokenHash);
      const token = await (entry !== undefined && entry.until > now() ? entry.lookup : read(tokenHash));
      if (token === null) {
        return null;
      }
      const stamped = touched.get(token.id);
      return stamped !== undefined && (token.lastUsedAt === null || stamped > token.lastUsedAt)
        ? { ...token, lastUsedAt: stamped }
        : token;
    },

    async touchLastUsed(id, at) {
      touched.set(id, at);
      try {
        await deps.tokens.touchLastUsed(id, at);
      } catch (error) {
        touched.delete(id);
        throw error;
      }
    },
  };
}
