import { describe, expect, it } from "vitest";
import { codes, gql } from "../graphql/support/graphql-client";
import { useTestFleet } from "../graphql/support/test-fleet";
import { edgeServers, PRODUCTION } from "./support/edge-servers";

const { fleet, api } = useTestFleet("edge-introspection");
const servers = edgeServers(api);

const INTROSPECTION = "{ __schema { queryType { name } } }";
const VALIDATION_FAILED = new Set(["GRAPHQL_VALIDATION_FAILED"]);
const asBrowser = { headers: { accept: "text/html" } };

describe("introspection", () => {
  it("is answered outside production", async () => {
    const result = await gql(api.url, INTROSPECTION, { token: fleet.tokens.VIEWER });
    expect(result.data).toEqual({ __schema: { queryType: { name: "Query" } } });
  });

  it("is refused in production, for every caller, before anything runs", async () => {
    const production = await servers.start(PRODUCTION);
    for (const token of [null, fleet.tokens.ADMIN]) {
      const result = await gql(production.url, INTROSPECTION, { token });
      expect(result.status).toBe(400);
      expect(result.data).toBeNull();
      expect(new Set(codes(result))).toEqual(VALIDATION_FAILED);
      expect(result.errors[0]?.message).toMatch(/introspection/i);
      const type = await gql(production.url, `{ __type(name: "Worker") { name } }`, { token });
      expect(new Set(codes(type))).toEqual(VALIDATION_FAILED);
    }
    // Ordinary operations are unaffected.
    expect(
      codes(await gql(production.url, "{ workers { totalCount } }", { token: fleet.tokens.VIEWER })),
    ).toEqual([]);
  });

  it("is answered in production with GRAPHQL_INTROSPECTION=true, and refused elsewhere with false", async () => {
    const on = await servers.start({ ...PRODUCTION, GRAPHQL_INTROSPECTION: "true" });
    expect((await gql(on.url, INTROSPECTION, { token: fleet.tokens.VIEWER })).data).toEqual({
      __schema: { queryType: { name: "Query" } },
    });
    const off = await servers.start({ NODE_ENV: "development", GRAPHQL_INTROSPECTION: "false" });
    expect(new Set(codes(await gql(off.url, INTROSPECTION, { token: fleet.tokens.VIEWER })))).toEqual(
      VALIDATION_FAILED,
    );
  });
});

describe("GraphiQL", () => {
  it("is served in development and not in production", async () => {
    const development = await servers.start({ NODE_ENV: "development" });
    const page = await fetch(development.url, asBrowser);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/graphiql/i);
    const production = await servers.start(PRODUCTION);
    expect(await (await fetch(production.url, asBrowser)).text()).not.toMatch(/graphiql/i);
  });

  it("follows GRAPHIQL when it is set", async () => {
    const on = await servers.start({ ...PRODUCTION, GRAPHIQL: "true" });
    expect(await (await fetch(on.url, asBrowser)).text()).toMatch(/graphiql/i);
    const off = await servers.start({ NODE_ENV: "development", GRAPHIQL: "false" });
    expect(await (await fetch(off.url, asBrowser)).text()).not.toMatch(/graphiql/i);
  });
});
