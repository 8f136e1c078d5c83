import { TEXT_RULES } from "@cml-fleet/core/domain/input-text";
import { GROUP_OWNER_PREFIX, groupOwner, isRole, RANKED_ROLES, type Role } from "@cml-fleet/core/domain/role";
import { type Clock, systemClock } from "@cml-fleet/core/ports/clock.port";
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { OIDC_FETCH_LIMITS, type OidcFetchLimits } from "./credential-limits";
import type { Principal } from "./principal";

export interface OidcOptions {
  readonly issuer: string;
  readonly audience: string;
  /** Where the signing keys are; discovered from the issuer when null. */
  readonly jwksUrl: string | null;
  /** Claim holding the caller's roles (a string or an array of strings), e.g. "roles" or "cml_fleet_role". */
  readonly rolesClaim: string;
  /**
   * Claim naming the caller (the audit's actor, and the owner a USER's workers name), e.g. "email" or
   * "preferred_username"; `sub` when the token has no such text claim. "email" when omitted.
   */
  readonly usernameClaim?: string;
  /** Claim listing the caller's groups (a string or a list): owners `group:<name>`. None when null or omitted. */
  readonly groupsClaim?: string | null;
  /** Defaults to {@link OIDC_FETCH_LIMITS}; tests shorten them. */
  readonly limits?: OidcFetchLimits;
  /** Decides when a failed issuer is tried again; the system clock by default. */
  readonly clock?: Clock;
}

export type OidcResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: string };

export interface OidcVerifier {
  verify(jwt: string): Promise<OidcResult>;
}

/** Signatures made with the issuer's public keys only: no `none`, no shared-secret HMAC. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * Verifies bearer JWTs against the issuer's JWKS. `exp` and `sub` are
 * required: a token that never expires would outlive any revocation, and
 * the subject is who holds the connections. Discovery and key fetches are
 * bounded by a timeout; after the issuer fails, calls are refused at once
 * until a backoff (doubling, capped) has passed, so an issuer that is down
 * sees one request per backoff, not one per API request, and is tried again.
 */
export function createOidcVerifier(options: OidcOptions): OidcVerifier {
  const limits = options.limits ?? OIDC_FETCH_LIMITS;
  const clock = options.clock ?? systemClock;
  const backoff = createIssuerBackoff(limits, clock);
  let keys: KeySet | null = null;
  let discovering: Promise<KeySet> | null = null;

  function keySet(): Promise<KeySet> {
    if (keys !== null) {
      return Promise.resolve(keys);
    }
    // Callers arriving while discovery runs share it.
    discovering ??= (async () => {
      try {
        const url = options.jwksUrl ?? (await discoverJwksUrl(options.issuer, limits));
        keys = createRemoteJWKSet(new URL(url), {
          timeoutDuration: limits.timeoutMs,
          cooldownDuration: limits.jwksCooldownMs,
        });
        return keys;
      } finally {
        discovering = null;
      }
    })();
    return discovering;
  }

  /** The issuer's keys, failing fast while the issuer is backed off, and starting a backoff when it fails. */
  async function signingKey(...args: Parameters<KeySet>): Promise<Awaited<ReturnType<KeySet>>> {
    const waiting = backoff.refusal();
    if (waiting !== null) {
      throw new IssuerUnavailableError(waiting);
    }
    try {
      const key = await (await keySet())(...args);
      backoff.succeeded();
      return key;
    } catch (error) {
      if (!isKeySelectionError(error)) {
        backoff.failed(error instanceof Error ? error.message : "unreachable");
      }
      throw error;
    }
  }

  return {
    async verify(jwt) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(jwt, signingKey, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ALGORITHMS,
          requiredClaims: ["exp", "sub"],
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
      // requiredClaims made jose check both; the checks here only narrow the types.
      if (typeof payload.sub !== "string" || typeof payload.exp !== "number") {
        return { ok: false, reason: "OIDC token rejected: it needs sub and exp claims" };
      }
      const named = payload[options.usernameClaim ?? "email"];
      const name = typeof named === "string" && named.trim() !== "" ? named.trim() : payload.sub;
      // A person is never a group: such a name would own every worker of that group.
      if (name.startsWith(GROUP_OWNER_PREFIX)) {
        return {
          ok: false,
          reason: `OIDC token rejected: its name must not start with ${GROUP_OWNER_PREFIX}`,
        };
      }
      const groupsClaim = options.groupsClaim ?? null;
      return {
        ok: true,
        principal: {
          id: `oidc:${payload.sub}`,
          name,
          role,
          ...(groupsClaim === null ? {} : { groups: groupsIn(payload[groupsClaim]) }),
          via: "oidc",
          expiresAt: new Date(payload.exp * 1000),
        },
      };
    },
  };
}

class IssuerUnavailableError extends Error {}

/** A key set that answered, but has no (single) key for this token: the token's fault, not the issuer's. */
function isKeySelectionError(error: unknown): boolean {
  return error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys;
}

interface IssuerBackoff {
  /** Why the issuer is not asked now (and for how long), or null when it may be. */
  refusal(): string | null;
  failed(reason: string): void;
  succeeded(): void;
}

function createIssuerBackoff(limits: OidcFetchLimits, clock: Clock): IssuerBackoff {
  let failure: { readonly until: number; readonly delayMs: number; readonly reason: string } | null = null;
  return {
    refusal() {
      if (failure === null) {
        return null;
      }
      const waitMs = failure.until - clock.now().getTime();
      return waitMs > 0
        ? `the identity provider failed (${failure.reason}); trying it again in ${Math.ceil(waitMs / 1000)}s`
        : null;
    },
    failed(reason) {
      // Callers that shared one attempt each report its failure: it counts once.
      if (failure !== null && clock.now().getTime() < failure.until) {
        return;
      }
      const delayMs =
        failure === null ? limits.retryInitialMs : Math.min(limits.retryMaxMs, failure.delayMs * 2);
      failure = { until: clock.now().getTime() + delayMs, delayMs, reason };
    },
    succeeded() {
      failure = null;
    },
  };
}

async function discoverJwksUrl(issuer: string, limits: OidcFetchLimits): Promise<string> {
  const url = new URL(".well-known/openid-configuration", issuer.endsWith("/") ? issuer : `${issuer}/`);
  // The timeout covers reading the body too: an issuer that trickles bytes is as down as a silent one.
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let text: string;
  try {
    const response = await fetch(url, { signal, headers: { accept: "application/json" } });
    if (!response.ok) {
      throw new Error(`OIDC discovery at ${url.href} answered ${response.status}`);
    }
    text = await response.text();
  } catch (error) {
    if (signal.aborted) {
      throw new Error(`OIDC discovery at ${url.href} did not answer within ${limits.timeoutMs} ms`);
    }
    throw error;
  }
  if (text.length > limits.maxDiscoveryChars) {
    throw new Error(`OIDC discovery at ${url.href} sent more than ${limits.maxDiscoveryChars} characters`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error(`OIDC discovery at ${url.href} is not JSON`);
  }
  const jwksUri =
    typeof document === "object" && document !== null && "jwks_uri" in document ? document.jwks_uri : null;
  if (typeof jwksUri !== "string" || !/^https?:\/\//.test(jwksUri) || !URL.canParse(jwksUri)) {
    throw new Error(`OIDC discovery at ${url.href} has no http(s) jwks_uri`);
  }
  return jwksUri;
}

/** At most this many groups are taken from a token (each one an owner a USER's reads match). */
const MAX_GROUPS = 100;

/**
 * Groups in a claim may be one string or a list; only those that make a
 * valid owner (`group:<name>`, core's ownerName rule) are kept, the first
 * {@link MAX_GROUPS} of them.
 */
function groupsIn(claim: unknown): string[] {
  const values = Array.isArray(claim) ? claim : [claim];
  const rule = TEXT_RULES.ownerName;
  return [
    ...new Set(
      values
        .filter((value): value is string => typeof value === "string")
        .map((value) => value.trim())
        .filter((group) => {
          const owner = groupOwner(group);
          return group !== "" && owner.length <= rule.maxLength && rule.matches(owner);
        }),
    ),
  ].slice(0, MAX_GROUPS);
}

/**
 * Roles in a claim may be one string or a list, in any case; the highest
 * ranked one wins, and USER (outside the ranking) only when no ranked one is
 * there: a person who is also an OPERATOR keeps the OPERATOR's view.
 */
function highestRole(claim: unknown): Role | null {
  const values = Array.isArray(claim) ? claim : [claim];
  const roles = values
    .filter((value): value is string => typeof value === "string")
    .map((value) => value.toUpperCase())
    .filter(isRole);
  const ranked = RANKED_ROLES.filter((role) => roles.includes(role));
  return ranked.at(-1) ?? (roles.includes("USER") ? "USER" : null);
}
