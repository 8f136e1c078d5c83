import type { Role } from "@cml-fleet/core/domain/role";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { subscriberCount } from "../../../platform/test/support/test-redis";
import { codes, dataOf, gql, PATIENCE } from "./support/graphql-client";
import { type TestApi, useTestFleet } from "./support/test-fleet";

// Two replicas on one Postgres and one Redis: tokens are used on both, and revoked through `first`.
const { fleet, api: first } = useTestFleet("verified-token-cache");
let second: TestApi;

beforeAll(async () => {
  second = await fleet.startApi();
  await vi.waitFor(async () => {
    expect(await subscriberCount(fleet.redis, `${fleet.prefix}:${TOPICS.credentialRevoked}`)).toBe(2);
  }, PATIENCE);
});

const VIEWER_NAME = "{ viewer { name } }";

async function createToken(role: Role, name: string): Promise<{ id: string; secret: string }> {
  const created = dataOf(
    await gql<{ createApiToken: { token: string; apiToken: { id: string } } }>(
      first.url,
      "mutation($name: String!, $role: Role!) { createApiToken(name: $name, role: $role) { token apiToken { id } } }",
      { token: fleet.tokens.ADMIN, variables: { name, role } },
    ),
  );
  return { id: created.createApiToken.apiToken.id, secret: created.createApiToken.token };
}

async function revokeThroughFirst(id: string): Promise<void> {
  dataOf(
    await gql(first.url, "mutation($id: ID!) { revokeApiToken(id: $id) { id } }", {
      token: fleet.tokens.ADMIN,
      variables: { id },
    }),
  );
}

function tokenLookups(statements: readonly string[]): number {
  return statements.filter((statement) => /from "?[\w".]*api_tokens"?/i.test(statement)).length;
}

describe("the bearer token of HTTP requests", () => {
  it("is read from Postgres once for many requests of one client", async () => {
    const token = await createToken("VIEWER", "cached reader");
    // The first request reads the token and stamps its lastUsedAt.
    dataOf(await gql(second.url, VIEWER_NAME, { token: token.secret }));
    const statements = await fleet.db.recordStatements(async () => {
      for (let request = 0; request < 10; request++) {
        expect(dataOf(await gql(second.url, VIEWER_NAME, { token: token.secret }))).toEqual({
          viewer: { name: "cached reader" },
        });
      }
    });
    expect(tokenLookups(statements)).toBe(0);
  });

  it("is refused on the other replica at once after a revocation, though it was just verified there", async () => {
    const token = await createToken("VIEWER", "revoked reader");
    dataOf(await gql(second.url, VIEWER_NAME, { token: token.secret }));
    dataOf(await gql(second.url, VIEWER_NAME, { token: token.secret }));

    await revokeThroughFirst(token.id);

    const onSecond = await gql(second.url, VIEWER_NAME, { token: token.secret });
    expect(onSecond.status).toBe(401);
    expect(codes(onSecond)).toEqual(["UNAUTHENTICATED"]);
    const onFirst = await gql(first.url, VIEWER_NAME, { token: token.secret });
    expect(codes(onFirst)).toEqual(["UNAUTHENTICATED"]);
  });

  it("keeps working for the other tokens after a revocation, each read afresh once", async () => {
    const kept = await createToken("VIEWER", "kept reader");
    const doomed = await createToken("VIEWER", "doomed reader");
    dataOf(await gql(second.url, VIEWER_NAME, { token: kept.secret }));

    await revokeThroughFirst(doomed.id);

    const statements = await fleet.db.recordStatements(async () => {
      for (let request = 0; request < 3; request++) {
        dataOf(await gql(second.url, VIEWER_NAME, { token: kept.secret }));
      }
    });
    expect(tokenLookups(statements)).toBe(1);
  });
});
