import { readFileSync } from "node:fs";

/** The committed test-only certificate (see certs/README.md), read once. */
export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** Which committed certificate a simulated CML serves: its usual one, or the second one (a "new machine"). */
export const SIM_CERTIFICATES = ["default", "alternate"] as const;
export type SimCertificate = (typeof SIM_CERTIFICATES)[number];

let cached: TlsMaterial | undefined;
let cachedAlternate: TlsMaterial | undefined;

export function simTlsMaterial(): TlsMaterial {
  cached ??= {
    key: readFileSync(new URL("../../certs/cml-test-key.pem", import.meta.url)),
    cert: readFileSync(new URL("../../certs/cml-test-cert.pem", import.meta.url)),
  };
  return cached;
}

/** The second committed test-only certificate, served by an instance told to swap (`"certificate": "alternate"`). */
export function simAlternateTlsMaterial(): TlsMaterial {
  cachedAlternate ??= {
    key: readFileSync(new URL("../../certs/cml-test-alternate-key.pem", import.meta.url)),
    cert: readFileSync(new URL("../../certs/cml-test-alternate-cert.pem", import.meta.url)),
  };
  return cachedAlternate;
}
