import type { CmlSessionStore, SharedCmlSession } from "@cml-fleet/core/ports/cml-session-store.port";
import type { Redis } from "ioredis";

/** What a key holds, checked field by field on the way back: anything else in Redis is no sign-in. */
function sharedSessionOf(value: unknown): SharedCmlSession | null {
  if (typeof value !== "object" || value === null) {
    return null;
  }
  const { baseUrl, certificatePin, certificate, token, userId } = value as Record<string, unknown>;
  const textOrNull = (field: unknown): field is string | null => field === null || typeof field === "string";
  if (
    typeof baseUrl !== "string" ||
    typeof token !== "string" ||
    token === "" ||
    typeof userId !== "string" ||
    !textOrNull(certificatePin) ||
    !textOrNull(certificate)
  ) {
    return null;
  }
  return { baseUrl, certificatePin, certificate, token, userId };
}

/** Deletes the key only while it still holds a sign-in with this token (another process may have replaced it). */
const DELETE_IF_TOKEN = `
local kept = redis.call('GET', KEYS[1])
if not kept then return 0 end
local ok, session = pcall(cjson.decode, kept)
if not ok or type(session) ~= 'table' or session.token == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * The job processes' shared CML sign-ins in Redis: a key per worker
 * (`<prefix>cml-session:<workerId>`) with the token's lifetime as its expiry.
 * The token is a credential for the fleet's service account on that worker,
 * kept beside the license tokens the job queue already holds
 * (redis-license-token-vault.ts): Redis is inside the fleet's trust boundary.
 */
export function createRedisCmlSessionStore(redis: Redis, keyPrefix: string): CmlSessionStore {
  const key = (workerId: string) => `${keyPrefix}cml-session:${workerId}`;
  return {
    async get(workerId) {
      const kept = await redis.get(key(workerId));
      if (kept === null) {
        return null;
      }
      try {
        return sharedSessionOf(JSON.parse(kept));
      } catch {
        return null;
      }
    },
    async put(workerId, session, ttlMs) {
      const kept: SharedCmlSession = {
        baseUrl: session.baseUrl,
        certificatePin: session.certificatePin,
        certificate: session.certificate,
        token: session.token,
        userId: session.userId,
      };
      await redis.set(key(workerId), JSON.stringify(kept), "PX", Math.max(1, Math.round(ttlMs)));
    },
    async delete(workerId, token) {
      if (token === undefined) {
        await redis.del(key(workerId));
        return;
      }
      await redis.eval(DELETE_IF_TOKEN, 1, key(workerId), token);
    },
  };
}
