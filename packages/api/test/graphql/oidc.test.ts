import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const AUDIENCE = "cml-fleet";
let issuer: string;
let identityProvider: Server;
let privateKey: CryptoKey;

beforeAll(async () => {
  const keys = await generateKeyPair("RS256");
  privateKey = keys.privateKey;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  // A minimal identity provider: discovery document and signing keys.
  identityProvider = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    if (request.url === "/.well-known/openid-configuration") {
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (request.url === "/jwks") {
      response.end(JSON.stringify({ keys: [jwk] }));
    } else {
      response.statusCode = 404;
      response.end("{}");
    }
  });
  await new Promise<void>((resolve) => identityProvider.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(identityProvider.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => identityProvider?.close(resolve)));

// After the identity provider's hooks: started once it listens, closed before it stops.
const { api } = useTestFleet("oidc", {
  env: () => ({ OIDC_ISSUER: issuer, OIDC_AUDIENCE: AUDIENCE, OIDC_ROLES_CLAIM: "groups" }),
});

function token(
  claims: Record<string, unknown>,
  options: { audience?: string; key?: CryptoKey } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(issuer)
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject("alice")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(options.key ?? privateKey);
}

describe("OIDC bearer tokens", () => {
  it("accepts a token signed by the issuer and takes the highest role from the claim", async () => {
    const jwt = await token({ groups: ["viewer", "Operator", "unrelated"], email: "alice@example.edu" });
    const result = dataOf(
      await gql<{ viewer: unknown }>(api.url, "{ viewer { name role } }", { token: jwt }),
    );
    expect(result.viewer).toEqual({ name: "alice@example.edu", role: "OPERATOR" });
  });

  it("applies the role like any other: an OIDC viewer cannot stop a worker", async () => {
    const jwt = await token({ groups: "viewer" });
    const result = await gql(api.url, `mutation { stopWorker(id: "w") { worker { id } } }`, { token: jwt });
    expect(codes(result)).toEqual(["FORBIDDEN"]);
  });

  it.each([
    ["for another audience", async () => token({ groups: ["admin"] }, { audience: "someone-else" })],
    [
      "signed by another key",
      async () => token({ groups: ["admin"] }, { key: (await generateKeyPair("RS256")).privateKey }),
    ],
    ["without a fleet role", async () => token({ groups: ["students"] })],
  ])("refuses a token %s as UNAUTHENTICATED", async (_label, make) => {
    const result = await gql(api.url, "{ viewer { name } }", { token: await make() });
    expect(result.status).toBe(401);
    expect(codes(result)).toEqual(["UNAUTHENTICATED"]);
  });
});
