import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * Which account a signed request acts in, from the access key id in its
 * SigV4 `Authorization` header. An access key that names an account
 * (`AKIASIM<12 digits>...` as a static key, `ASIASIM<12 digits>...` as the
 * session key the simulator's STS AssumeRole hands out) acts in that account;
 * any other key (e.g. the fleet's `sim`) acts in the default account. The
 * account is written into the key, not remembered, so credentials issued
 * before a restart of the simulator still name the same account after it.
 */
export function callerAccount(headers: IncomingHttpHeaders, defaultAccountId: string): string {
  const accessKeyId = /Credential=([^/,\s]+)\//.exec(headers.authorization ?? "")?.[1] ?? "";
  return /^A[KS]IASIM(\d{12})/.exec(accessKeyId)?.[1] ?? defaultAccountId;
}

/** A session access key id that acts in `accountId` (see callerAccount). */
export function sessionAccessKeyFor(accountId: string): string {
  return `ASIASIM${accountId}${randomBytes(3).toString("hex").toUpperCase()}`;
}

/** The SigV4 credential scope's service (`.../<region>/<service>/aws4_request`), or null when unsigned. */
export function signedService(headers: IncomingHttpHeaders): string | null {
  return (
    /Credential=[^/,\s]+\/\d{8}\/[a-z0-9-]+\/([a-z0-9-]+)\//.exec(headers.authorization ?? "")?.[1] ?? null
  );
}
