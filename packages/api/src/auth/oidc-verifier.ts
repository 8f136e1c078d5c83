import { isRole, ROLES, type Role } from "@cml-fleet/core/domain/role";
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import type { Principal } from "./principal";

export interface OidcOptions {
  readonly issuer: string;
  readonly audience: string;
  /** Where the signing keys are; discovered from the issuer when null. */
  readonly jwksUrl: string | null;
  /** Claim holding the caller's roles (a string or an array of strings), e.g. "roles" or "cml_fleet_role". */
  readonly rolesClaim: string;
}

export type OidcResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: string };

export interface OidcVerifier {
  verify(jwt: string): Promise<OidcResult>;
}

/** Verifies bearer JWTs against the issuer's JWKS (fetched once, refreshed by jose on unknown key ids). */
export function createOidcVerifier(options: OidcOptions): OidcVerifier {
  let keys: ReturnType<typeof createRemoteJWKSet> | null = null;

  async function keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (keys === null) {
      const url = options.jwksUrl ?? (await discoverJwksUrl(options.issuer));
      keys = createRemoteJWKSet(new URL(url));
    }
    return keys;
  }

  return {
    async verify(jwt) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(jwt, await keySet(), {
          issuer: options.issuer,
          audience: options.audience,
        }));
      } catch (error) {
        return {
          ok: false,
          reason: `OIDC token rejected: ${error instanceof Error ? error.message : "invalid"}`,
        };
      }
      const role = highestRole(payload[options.rolesClaim]);
      if (role === null) {
        return { ok: false, reason: `OIDC token has no fleet role in claim "${options.rolesClaim}"` };
      }
      const subject = payload.sub ?? "unknown";
      const name = typeof payload.email === "string" ? payload.email : subject;
      return { ok: true, principal: { id: `oidc:${subject}`, name, role, via: "oidc" } };
    },
  };
}

async function discoverJwksUrl(issuer: string): Promise<string> {
  const response = await fetch(
    new URL(".well-known/openid-configuration", issuer.endsWith("/") ? issuer : `${issuer}/`),
  );
  if (!response.ok) {
    throw new Error(`OIDC discovery at ${issuer} answered ${response.status}`);
  }
  const document = (await response.json()) as { jwks_uri?: unknown };
  if (typeof document.jwks_uri !== "string") {
    throw new Error(`OIDC discovery at ${issuer} has no jwks_uri`);
  }
  return document.jwks_uri;
}

/** Roles in a claim may be one string or a list, in any case; the highest known one wins. */
function highestRole(claim: unknown): Role | null {
  const values = Array.isArray(claim) ? claim : [claim];
  const roles = values
    .filter((value): value is string => typeof value === "string")
    .map((value) => value.toUpperCase())
    .filter(isRole);
  const ranked = ROLES.filter((role) => roles.includes(role));
  return ranked.at(-1) ?? null;
}
