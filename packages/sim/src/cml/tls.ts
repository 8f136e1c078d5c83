import { readFileSync } from "node:fs";

/** The committed test-only certificate (see certs/README.md), read once. */
export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
}

let cached: TlsMaterial | undefined;

export function simTlsMaterial(): TlsMaterial {
  cached ??= {
    key: readFileSync(new URL("../../certs/cml-test-key.pem", import.meta.url)),
    cert: readFileSync(new URL("../../certs/cml-test-cert.pem", import.meta.url)),
  };
  return cached;
}
