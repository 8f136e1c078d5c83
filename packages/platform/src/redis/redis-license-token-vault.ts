import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Holds a license token given to registerLicense until the job uses it: job
 * data is visible to anyone who can read the queue, so the job carries only a
 * reference, and the token lives in Redis for a bounded time and is read once.
 */
export interface LicenseTokenVault {
  put(token: string): Promise<string>;
  /** The token, removed on reading; null when unknown or expired. */
  take(ref: string): Promise<string | null>;
}

const TOKEN_TTL_SECONDS = 3600;

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
