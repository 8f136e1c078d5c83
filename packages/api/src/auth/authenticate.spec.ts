import type { ApiToken } from "@cml-fleet/platform/repositories/api-token.repository";
import { hashTokenSecret } from "@cml-fleet/platform/repositories/api-token.repository";
import { describe, expect, it } from "vitest";
import { authenticate } from "./authenticate";
import type { OidcVerifier } from "./oidc-verifier";

const NOW = new Date("2026-11-27T10:00:00Z");
const SECRET = "cmlf_secret";
/** A BOOTSTRAP_ADMIN_TOKEN chosen by an operator, without the cmlf_ prefix. */
const CHOSEN = "a-long-operator-chosen-secret";
const TOKEN: ApiToken = {
  id: "t1",
  name: "alice",
  role: "OPERATOR",
  createdAt: NOW,
  lastUsedAt: null,
  revokedAt: null,
};

function deps(options: { oidc?: OidcVerifier | null; lastUsedAt?: Date | null } = {}) {
  const touched: string[] = [];
  return {
    touched,
    deps: {
      clock: { now: () => NOW },
      oidc: options.oidc ?? null,
      tokens: {
        findActiveByHash: async (hash: string) =>
          hash === hashTokenSecret(SECRET) || hash === hashTokenSecret(CHOSEN)
            ? { ...TOKEN, lastUsedAt: options.lastUsedAt ?? null }
            : null,
        touchLastUsed: async (id: string) => {
          touched.push(id);
        },
      },
    },
  };
}

describe("authenticate", () => {
  it("treats a missing credential as anonymous", async () => {
    expect(await authenticate(deps().deps, undefined)).toEqual({ kind: "anonymous" });
    expect(await authenticate(deps().deps, "")).toEqual({ kind: "anonymous" });
  });

  it("resolves a known token to its principal and stamps its use", async () => {
    const { deps: d, touched } = deps();
    expect(await authenticate(d, `Bearer ${SECRET}`)).toEqual({
      kind: "authenticated",
      principal: { id: "t1", name: "alice", role: "OPERATOR", via: "api-token", expiresAt: null },
    });
    expect(touched).toEqual(["t1"]);
  });

  it("accepts a stored token whatever its form (a bootstrap value need not start with cmlf_)", async () => {
    expect((await authenticate(deps().deps, `Bearer ${CHOSEN}`)).kind).toBe("authenticated");
  });

  it("does not write lastUsedAt again within a minute", async () => {
    const { deps: d, touched } = deps({ lastUsedAt: new Date(NOW.getTime() - 30_000) });
    await authenticate(d, `Bearer ${SECRET}`);
    expect(touched).toEqual([]);
  });

  it.each([["Bearer cmlf_unknown"], ["Basic abc"], ["Bearer"], [42]])("rejects %j", async (header) => {
    expect((await authenticate(deps().deps, header)).kind).toBe("rejected");
  });

  it("hands a non-fleet bearer to the OIDC verifier when one is configured", async () => {
    const oidc: OidcVerifier = {
      verify: async (jwt) =>
        jwt === "good.jwt"
          ? {
              ok: true,
              principal: { id: "oidc:bob", name: "bob", role: "VIEWER", via: "oidc", expiresAt: NOW },
            }
          : { ok: false, reason: "bad signature" },
    };
    expect(await authenticate(deps({ oidc }).deps, "Bearer good.jwt")).toMatchObject({
      kind: "authenticated",
    });
    expect(await authenticate(deps({ oidc }).deps, "Bearer bad.jwt")).toEqual({
      kind: "rejected",
      reason: "bad signature",
    });
    expect((await authenticate(deps().deps, "Bearer good.jwt")).kind).toBe("rejected");
  });
});
