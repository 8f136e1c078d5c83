import { createHash } from "node:crypto";

const MAX_CLIENT_TOKEN_LENGTH = 64;
const PLAIN_TOKEN = /^[\x21-\x7e]+$/;

/**
 * The RunInstances idempotency token for one launch attempt of a worker: the
 * same worker and attempt always give the same token (so a retried job never
 * launches twice), another attempt gives another token. Readable when it fits
 * in EC2's 64 ASCII characters, otherwise a SHA-256 digest of the same input.
 */
export function launchClientToken(workerId: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
  }
  const plain = `cml-fleet-${workerId}-${attempt}`;
  if (plain.length <= MAX_CLIENT_TOKEN_LENGTH && PLAIN_TOKEN.test(plain)) {
    return plain;
  }
  const digest = createHash("sha256").update(`${workerId}\u0000${attempt}`).digest("hex");
  return `cml-fleet-${digest}`.slice(0, MAX_CLIENT_TOKEN_LENGTH);
}
