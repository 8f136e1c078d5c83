import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { useStarted } from "../../../../platform/test/support/use-started";

/** The audience the OIDC tests' tokens are for and the API is told to expect (OIDC_AUDIENCE). */
export const OIDC_TEST_AUDIENCE = "cml-fleet";

export interface IdentityProvider {
  /** The issuer, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  /** How many times its discovery document was asked for. */
  discoveries(): number;
  close(): Promise<void>;
}

/** What a working identity provider answers to discovery: its issuer and where its keys are. */
export function answerDiscovery(response: ServerResponse, self: string): void {
  response.setHeader("content-type", "application/json");
  response.end(JSON.stringify({ issuer: self, jwks_uri: `${self}/jwks` }));
}

/**
 * A minimal OIDC identity provider on 127.0.0.1: the discovery document
 * (or whatever `discovery` answers) and `publicKey` as its one signing key
 * (RS256, kid k1) at /jwks.
 */
export async function startIdentityProvider(
  publicKey: CryptoKey,
  discovery: (response: ServerResponse, self: string) => void = answerDiscovery,
): Promise<IdentityProvider> {
  const keys = { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" }] };
  let discoveries = 0;
  const server = createServer((request, response) => {
    if (request.url === "/.well-known/openid-configuration") {
      discoveries += 1;
      discovery(response, url);
    } else if (request.url === "/jwks") {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(keys));
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    discoveries: () => discoveries,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TokenOptions {
  /** "alice" when left out. */
  readonly subject?: string;
  readonly audience?: string;
  /** Another signing key than the provider's (a forged token). */
  readonly key?: CryptoKey;
  readonly issuer?: string;
  /** A jose expiration ("5m", or seconds since the epoch); null: none. "5m" when left out. */
  readonly expires?: string | number | null;
}

export interface SigningIdentityProvider extends IdentityProvider {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** A token this provider signed, for OIDC_TEST_AUDIENCE, unless `options` say otherwise. */
  token(claims: Record<string, unknown>, options?: TokenOptions): Promise<string>;
}

/**
 * An identity provider with a fresh key pair for the tests of the file or
 * describe block that calls this: started in beforeAll, closed in afterAll.
 * Call it before `useTestFleet`, whose env reads its `url`: the fleet then
 * starts once the provider listens and stops before it closes.
 */
export function useIdentityProvider(): SigningIdentityProvider {
  return useStarted(
    "the identity provider",
    async () => {
      const { privateKey, publicKey } = await generateKeyPair("RS256");
      const provider = await startIdentityProvider(publicKey);
      return {
        ...provider,
        privateKey,
        publicKey,
        token(claims: Record<string, unknown>, options: TokenOptions = {}): Promise<string> {
          const jwt = new SignJWT(claims)
            .setProtectedHeader({ alg: "RS256", kid: "k1" })
            .setIssuer(options.issuer ?? provider.url)
            .setAudience(options.audience ?? OIDC_TEST_AUDIENCE)
            .setSubject(options.subject ?? "alice")
            .setIssuedAt();
          const expires = options.expires === undefined ? "5m" : options.expires;
          return (expires === null ? jwt : jwt.setExpirationTime(expires)).sign(options.key ?? privateKey);
        },
      };
    },
    { stop: (provider) => provider.close() },
  );
}
