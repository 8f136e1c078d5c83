import type { Clock } from "@cml-fleet/core/ports/clock.port";
import {
  type ApiToken,
  type ApiTokenRepository,
  hashTokenSecret,
} from "@cml-fleet/platform/repositories/api-token.repository";
import type { LiveCredentials, LiveEnding } from "./live-credentials";
import type { OidcVerifier } from "./oidc-verifier";
import type { Principal } from "./principal";
import { looksLikeTokenSecret } from "./token-secret";

export type Authentication =
  | { readonly kind: "anonymous" }
  | { readonly kind: "authenticated"; readonly principal: Principal }
  | { readonly kind: "rejected"; readonly reason: string };

/** What checking a credential needs. */
export interface CredentialCheckDeps {
  readonly tokens: Pick<ApiTokenRepository, "findActiveByHash" | "touchLastUsed">;
  readonly oidc: OidcVerifier | null;
  readonly clock: Clock;
}

/**
 * What the transports need to keep a credential checked: checking it, and
 * the live connections held by each credential (ended when it is revoked or
 * expires, and bounded in number).
 */
export interface AuthenticatorDeps extends CredentialCheckDeps {
  readonly live: LiveCredentials;
}

/** Writing lastUsedAt on every request would turn each read into a write; once a minute is enough. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Resolves an `Authorization` value (HTTP header, SSE header or graphql-ws
 * connection param) to a principal. No credential is anonymous; a credential
 * that does not check out is rejected, never downgraded to anonymous.
 */
export async function authenticate(
  deps: CredentialCheckDeps,
  authorization: unknown,
): Promise<Authentication> {
  if (authorization === undefined || authorization === null || authorization === "") {
    return { kind: "anonymous" };
  }
  if (typeof authorization !== "string") {
    return { kind: "rejected", reason: "authorization must be text: Bearer <token>" };
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const credential = match?.[1];
  if (credential === undefined) {
    return { kind: "rejected", reason: "authorization must be written as: Bearer <token>" };
  }
  // Any value may be an API token: BOOTSTRAP_ADMIN_TOKEN is whatever the operator chose, not only a cmlf_ secret.
  const token = await deps.tokens.findActiveByHash(hashTokenSecret(credential));
  if (token !== null) {
    return authenticatedByToken(deps, token);
  }
  if (deps.oidc !== null && !looksLikeTokenSecret(credential)) {
    const result = await deps.oidc.verify(credential);
    return result.ok
      ? { kind: "authenticated", principal: result.principal }
      : { kind: "rejected", reason: result.reason };
  }
  return { kind: "rejected", reason: "unknown or revoked token" };
}

async function authenticatedByToken(deps: CredentialCheckDeps, token: ApiToken): Promise<Authentication> {
  const now = deps.clock.now();
  if (token.lastUsedAt === null || now.getTime() - token.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await deps.tokens.touchLastUsed(token.id, now);
  }
  return {
    kind: "authenticated",
    principal: { id: token.id, name: token.name, role: token.role, via: "api-token", expiresAt: null },
  };
}

/**
 * Checks again the credential a connection was opened with: null while it
 * still stands for the same principal with the same role, else how the
 * connection must end (revoked or expired: 4401; another role: 4403).
 */
export async function recheckCredential(
  deps: CredentialCheckDeps,
  authorization: unknown,
  opened: Principal,
): Promise<LiveEnding | null> {
  const now = await authenticate(deps, authorization);
  if (now.kind !== "authenticated" || now.principal.id !== opened.id) {
    return {
      cause: "revoked",
      message: `credential no longer valid: ${now.kind === "rejected" ? now.reason : "it names no one"}`,
    };
  }
  if (now.principal.role !== opened.role) {
    return {
      cause: "role-changed",
      message: "credential's role changed: connect again to continue with the new role",
    };
  }
  return null;
}
