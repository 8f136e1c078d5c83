import { randomUUID } from "node:crypto";
import type { LicenseTokenVault } from "@cml-fleet/core/ports/license-token-vault.port";
import type { Redis } from "ioredis";

/** How long a token waits at most (the job's retries included); it is deleted sooner once its job is done. */
const TOKEN_TTL_SECONDS = 3600;

/** The vault in Redis: a key per token with an expiry, read as often as the job's attempts need, deleted by the job. */
export function createRedisLicenseTokenVault(redis: Redis, keyPrefix: string): LicenseTokenVault {
  const key = (ref: string) => `${keyPrefix}license-token:${ref}`;
  return {
    async put(token) {
      const ref = randomUUID();
      await redis.set(key(ref), token, "EX", TOKEN_TTL_SECONDS);
      return ref;
    },
    async read(ref) {
      return redis.get(key(ref));
    },
    async discard(ref) {
      await redis.del(key(ref));
    },
  };
}
