import { randomBytes } from "node:crypto";
import type { SharedCmlSession } from "@cml-fleet/core/ports/cml-session-store.port";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisCmlSessionStore } from "../../src/redis/redis-cml-session-store";
import { deleteKeys, TEST_REDIS_URL } from "../support/test-redis";

const session = (token: string): SharedCmlSession => ({
  baseUrl: "https://127.1.0.7:443",
  certificatePin: "sha256:AB:CD",
  certificate: null,
  token,
  userId: "fleet-user-id",
});

/** The job processes' shared CML sign-ins against a real Redis, under a key prefix of this file's own. */
describe("the Redis store of shared CML sign-ins", () => {
  const prefix = `t-cml-sessions-${randomBytes(4).toString("hex")}:`;
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const store = createRedisCmlSessionStore(redis, prefix);
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it("keeps a sign-in for its lifetime, under the prefix, and answers it to another process's store", async () => {
    await store.put("w-1", session("token-1"), 60_000);
    expect(await createRedisCmlSessionStore(redis, prefix).get("w-1")).toEqual(session("token-1"));
    const ttl = await redis.pttl(`${prefix}cml-session:w-1`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await store.get("w-none")).toBeNull();
  });

  it("deletes a refused token only while it is still the one kept; forget deletes whatever is kept", async () => {
    await store.put("w-2", session("token-2"), 60_000);
    await store.delete("w-2", "token-1");
    expect((await store.get("w-2"))?.token).toBe("token-2");
    await store.delete("w-2", "token-2");
    expect(await store.get("w-2")).toBeNull();
    await store.put("w-2", session("token-3"), 60_000);
    await store.delete("w-2");
    expect(await store.get("w-2")).toBeNull();
  });

  it("answers no sign-in for anything else found under the key, and a delete with a token clears what is not one", async () => {
    for (const junk of [JSON.stringify({ ...session(""), token: "" }), '{"token": 5}', "null", "not json"]) {
      await redis.set(`${prefix}cml-session:w-3`, junk);
      expect(await store.get("w-3")).toBeNull();
    }
    await store.delete("w-3", "token-1");
    expect(await redis.exists(`${prefix}cml-session:w-3`)).toBe(0);
  });
});
