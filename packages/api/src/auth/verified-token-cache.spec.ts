import type { CredentialRevocation } from "@cml-fleet/platform/pubsub/topics";
import type { ApiToken } from "@cml-fleet/platform/repositories/api-token.repository";
import { describe, expect, it } from "vitest";
import { createVerifiedTokenCache } from "./verified-token-cache";

const TOKEN: ApiToken = {
  id: "t1",
  name: "alice",
  role: "VIEWER",
  createdAt: new Date("2026-11-30T10:00:00Z"),
  lastUsedAt: null,
  revokedAt: null,
};

/** A token table in memory whose reads can be held open, and the revocations this process hears. */
function setup() {
  const active = new Map<string, ApiToken>([["h1", TOKEN]]);
  const reads: string[] = [];
  const held: (() => void)[] = [];
  let holding = false;
  const listeners: ((revocation: CredentialRevocation) => void)[] = [];
  let clock = 0;
  const cache = createVerifiedTokenCache({
    tokens: {
      async findActiveByHash(hash) {
        reads.push(hash);
        // The row as it was when the read began, delivered when the test lets it go.
        const row = active.get(hash) ?? null;
        if (holding) {
          await new Promise<void>((resolve) => held.push(resolve));
        }
        return row;
      },
      async touchLastUsed() {},
    },
    live: {
      onRevoked(listener) {
        listeners.push(listener);
        return () => {};
      },
    },
    ttlMs: 1_000,
    monotonicMs: () => clock,
  });
  return {
    cache,
    reads,
    revoke(hash: string) {
      active.delete(hash);
      for (const listener of listeners) {
        listener({ credentialId: TOKEN.id, cause: "revoked" });
      }
    },
    hold: () => {
      holding = true;
    },
    releaseAll: () => {
      holding = false;
      for (const release of held.splice(0)) {
        release();
      }
    },
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe("the verified-token cache", () => {
  it("reads an active token once within its lifetime, and again after it", async () => {
    const { cache, reads, advance } = setup();
    expect(await cache.findActiveByHash("h1")).toEqual(TOKEN);
    advance(999);
    expect(await cache.findActiveByHash("h1")).toEqual(TOKEN);
    expect(reads).toEqual(["h1"]);
    advance(1);
    await cache.findActiveByHash("h1");
    expect(reads).toEqual(["h1", "h1"]);
  });

  it("keeps no unknown secret: each is read every time", async () => {
    const { cache, reads } = setup();
    expect(await cache.findActiveByHash("nope")).toBeNull();
    expect(await cache.findActiveByHash("nope")).toBeNull();
    expect(reads).toEqual(["nope", "nope"]);
  });

  it("forgets every token on a revocation", async () => {
    const { cache, revoke } = setup();
    await cache.findActiveByHash("h1");
    revoke("h1");
    expect(await cache.findActiveByHash("h1")).toBeNull();
  });

  it("does not keep a read begun before a revocation that arrived while it ran", async () => {
    const { cache, reads, revoke, hold, releaseAll } = setup();
    hold();
    const before = cache.findActiveByHash("h1");
    revoke("h1");
    releaseAll();
    // The request that arrived before the revocation is answered as it would have been without a cache ...
    expect(await before).toEqual(TOKEN);
    // ... and the next one reads the revoked row.
    expect(await cache.findActiveByHash("h1")).toBeNull();
    expect(reads).toEqual(["h1", "h1"]);
  });

  it("shares one read between the requests that arrive while it runs", async () => {
    const { cache, reads, hold, releaseAll } = setup();
    hold();
    const both = Promise.all([cache.findActiveByHash("h1"), cache.findActiveByHash("h1")]);
    releaseAll();
    expect(await both).toEqual([TOKEN, TOKEN]);
    expect(reads).toEqual(["h1"]);
  });

  it("answers the lastUsedAt this process stamped, so the once-a-minute stamp is not written on every request", async () => {
    const { cache } = setup();
    await cache.findActiveByHash("h1");
    const at = new Date("2026-11-30T11:00:00Z");
    await cache.touchLastUsed(TOKEN.id, at);
    expect((await cache.findActiveByHash("h1"))?.lastUsedAt).toEqual(at);
  });
});
