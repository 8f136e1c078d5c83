const HEX_FINGERPRINT = /^[0-9A-F]{64}$/;

/**
 * A SHA-256 certificate fingerprint in the one form the fleet stores and
 * compares: uppercase hex pairs joined by colons, as Node's `fingerprint256`
 * and `openssl x509 -fingerprint -sha256` print it. Accepts that form or bare
 * hex, in any case; null for anything else.
 */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.trim().replaceAll(":", "").toUpperCase();
  if (!HEX_FINGERPRINT.test(hex)) {
    return null;
  }
  return hex.match(/../g)?.join(":") ?? null;
}

/** The stored form exactly: one regular-expression test, where normalizing would build three strings. */
const STORED_FORM = /^(?:[0-9A-F]{2}:){31}[0-9A-F]{2}$/;

export function sameFingerprint(a: string, b: string): boolean {
  // Both are almost always in the stored form already (a pin, a connection's certificate), and every request
  // compares them a few times: equal text in that form needs no normalizing.
  if (a === b && STORED_FORM.test(a)) {
    return true;
  }
  const left = normalizeFingerprint(a);
  return left !== null && left === normalizeFingerprint(b);
}
