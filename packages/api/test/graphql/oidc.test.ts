import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { OIDC_FETCH_LIMITS } from "../../src/auth/credential-limits";
import { createOidcVerifier } from "../../src/auth/oidc-verifier";
import { codes, dataOf, gql } from "./support/graphql-client";
import {
  answerDiscovery,
  OIDC_TEST_AUDIENCE,
  startIdentityProvider,
  useIdentityProvider,
} from "./support/identity-provider";
import { openGraphqlSocket, openSseStream } from "./support/live-clients";
import { useTestFleet } from "./support/test-fleet";

const idp = useIdentityProvider();

// After the identity provider's hooks: started once it listens, closed before it stops.
const { api } = useTestFleet("oidc", {
  env: () => ({ OIDC_ISSUER: idp.url, OIDC_AUDIENCE: OIDC_TEST_AUDIENCE, OIDC_ROLES_CLAIM: "groups" }),
});

/** Seconds since the epoch, `seconds` from now: a JWT's exp. */
function inSeconds(seconds: number): number {
  return Math.floor(Date.now() / 1000) + seconds;
}

describe("OIDC bearer tokens", () => {
  it("accepts a token signed by the issuer and takes the highest role from the claim", async () => {
    const jwt = await idp.token({ groups: ["viewer", "Operator", "unrelated"], email: "alice@example.edu" });
    const result = dataOf(
      await gql<{ viewer: unknown }>(api.url, "{ viewer { name role } }", { token: jwt }),
    );
    expect(result.viewer).toEqual({ name: "alice@example.edu", role: "OPERATOR" });
  });

  it("applies the role like any other: an OIDC viewer cannot stop a worker", async () => {
    const jwt = await idp.token({ groups: "viewer" });
    const result = await gql(api.url, `mutation { stopWorker(id: "w") { worker { id } } }`, { token: jwt });
    expect(codes(result)).toEqual(["FORBIDDEN"]);
  });

  it.each([
    ["for another audience", async () => idp.token({ groups: ["admin"] }, { audience: "someone-else" })],
    [
      "signed by another key",
      async () => idp.token({ groups: ["admin"] }, { key: (await generateKeyPair("RS256")).privateKey }),
    ],
    ["without a fleet role", async () => idp.token({ groups: ["students"] })],
    ["without exp (it would never expire)", async () => idp.token({ groups: ["admin"] }, { expires: null })],
    ["that has expired", async () => idp.token({ groups: ["admin"] }, { expires: inSeconds(-60) })],
  ])("refuses a token %s as UNAUTHENTICATED", async (_label, make) => {
    const result = await gql(api.url, "{ viewer { name } }", { token: await make() });
    expect(result.status).toBe(401);
    expect(codes(result)).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("the lifetime of a connection opened with a JWT", () => {
  it("closes a WebSocket when the token's exp passes (4401, saying so)", async () => {
    const socket = await openGraphqlSocket(
      api.wsUrl,
      await idp.token({ groups: "viewer" }, { expires: inSeconds(2) }),
    );
    try {
      expect(socket.acknowledged).toBe(true);
      socket.subscribe("events", "subscription { fleetEvents { id } }");
      const closed = await socket.closed;
      expect(closed.code).toBe(4401);
      expect(closed.reason).toMatch(/^credential expired at \S+Z: connect again with a fresh token$/);
    } finally {
      await socket.close();
    }
  });

  it("ends an SSE stream when the token's exp passes, with UNAUTHENTICATED last", async () => {
    const jwt = await idp.token({ groups: "viewer" }, { expires: inSeconds(2) });
    const stream = openSseStream(api.url, jwt, "subscription { fleetEvents { id } }");
    try {
      await expect(stream.status).resolves.toBe(200);
      await stream.ended;
      expect(stream.failure).toBeNull();
      expect(stream.results.at(-1)?.errors?.[0]).toMatchObject({
        message: expect.stringContaining("credential expired at"),
        extensions: { code: "UNAUTHENTICATED" },
      });
    } finally {
      await stream.dispose();
    }
  });
});

describe("an identity provider that fails", () => {
  it("is given up on when discovery does not answer within the timeout: the token is refused, not left waiting", async () => {
    // Discovery never answers.
    const provider = await startIdentityProvider(idp.publicKey, () => undefined);
    try {
      const verifier = createOidcVerifier({
        issuer: provider.url,
        audience: OIDC_TEST_AUDIENCE,
        jwksUrl: null,
        rolesClaim: "groups",
        limits: { ...OIDC_FETCH_LIMITS, timeoutMs: 200 },
      });
      const result = await verifier.verify(await idp.token({ groups: "viewer" }, { issuer: provider.url }));
      expect(result).toEqual({ ok: false, reason: expect.stringContaining("did not answer within 200 ms") });
    } finally {
      await provider.close();
    }
  });

  it("is asked again only after a backoff that doubles, not on every request, and is used once it answers", async () => {
    let failing = true;
    const provider = await startIdentityProvider(idp.publicKey, (response, self) => {
      if (failing) {
        response.statusCode = 503;
        response.end();
      } else {
        answerDiscovery(response, self);
      }
    });
    let now = new Date("2026-11-30T06:00:00Z");
    const advance = (ms: number) => {
      now = new Date(now.getTime() + ms);
    };
    try {
      const verifier = createOidcVerifier({
        issuer: provider.url,
        audience: OIDC_TEST_AUDIENCE,
        jwksUrl: null,
        rolesClaim: "groups",
        clock: { now: () => now },
        limits: { ...OIDC_FETCH_LIMITS, retryInitialMs: 1_000, retryMaxMs: 4_000 },
      });
      const jwt = await idp.token({ groups: "viewer" }, { issuer: provider.url });

      const first = await Promise.all([1, 2, 3].map(() => verifier.verify(jwt)));
      expect(first.every((result) => !result.ok)).toBe(true);
      expect(provider.discoveries()).toBe(1);
      expect(await verifier.verify(jwt)).toEqual({
        ok: false,
        reason: expect.stringContaining("trying it again in 1s"),
      });
      expect(provider.discoveries()).toBe(1);

      advance(1_000);
      await verifier.verify(jwt);
      expect(provider.discoveries()).toBe(2);
      // The second failure doubles the wait.
      advance(1_000);
      await verifier.verify(jwt);
      expect(provider.discoveries()).toBe(2);

      failing = false;
      advance(1_000);
      const recovered = await verifier.verify(jwt);
      expect(provider.discoveries()).toBe(3);
      expect(recovered).toMatchObject({ ok: true, principal: { id: "oidc:alice", role: "VIEWER" } });
      expect(await verifier.verify(jwt)).toMatchObject({ ok: true });
      expect(provider.discoveries()).toBe(3);
    } finally {
      await provider.close();
    }
  });

  it("is not asked for keys again on every request while its JWKS fails", async () => {
    let jwksRequests = 0;
    const server = createServer((request, response) => {
      jwksRequests += request.url === "/jwks" ? 1 : 0;
      response.statusCode = 500;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const verifier = createOidcVerifier({
        issuer: url,
        audience: OIDC_TEST_AUDIENCE,
        jwksUrl: `${url}/jwks`,
        rolesClaim: "groups",
        clock: { now: () => new Date("2026-11-30T06:00:00Z") },
      });
      const jwt = await idp.token({ groups: "viewer" }, { issuer: url });
      for (let attempt = 0; attempt < 5; attempt++) {
        expect((await verifier.verify(jwt)).ok).toBe(false);
      }
      expect(jwksRequests).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
