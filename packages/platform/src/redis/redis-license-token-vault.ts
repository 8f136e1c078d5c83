import { randomUUID } from "node:crypto";
import type { LicenseTokenVault } from "@cml-fleet/core/ports/license-token-vault.port";
import type { Redis } from "ioredis";

const TOKEN_TTL_SECONDS = 3600;

/** The vault in Redis: GETDEL makes a token readable once, the expiry bounds how long it waits. */
export function createRedisLicenseTokenVault(redis: Redis, keyPrefix: string): LicenseTokenVault {
  const key = (ref: string) => `${keyPrefix}license-token:${ref}`;
  return {
    async put(token) {
      const ref = randomUUID();
      await redis.set(key(ref), token, "EX", TOKEN_TTL_SECONDS);
      return ref;
    },
    async take(ref) {
      return redis.getdel(key(ref));
    },
  };
}
