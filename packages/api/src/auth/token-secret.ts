import { randomBytes } from "node:crypto";

const SECRET_PREFIX = "cmlf_";

/** A new API token secret: shown once, never stored. 32 random bytes are beyond guessing. */
export function generateTokenSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** Whether a bearer value looks like one of our secrets (else it may be an OIDC JWT). */
export function looksLikeTokenSecret(value: string): boolean {
  return value.startsWith(SECRET_PREFIX);
}
