import { describe, expect, it } from "vitest";
import { aWorker } from "../support/worker-factory";
import { codes, dataOf, gql } from "./support/graphql-client";
import { OIDC_TEST_AUDIENCE, useIdentityProvider } from "./support/identity-provider";
import { useTestFleet } from "./support/test-fleet";

/**
 * OIDC_USERNAME_CLAIM names an OIDC caller, and so the owner a USER's
 * workers must name; a USER role in the roles claim counts only when no
 * ranked role is there.
 */
const idp = useIdentityProvider();

const { fleet, api } = useTestFleet("oidc-user", {
  env: () => ({
    OIDC_ISSUER: idp.url,
    OIDC_AUDIENCE: OIDC_TEST_AUDIENCE,
    OIDC_ROLES_CLAIM: "groups",
    OIDC_USERNAME_CLAIM: "preferred_username",
    OIDC_GROUPS_CLAIM: "teams",
  }),
});

const token = (claims: Record<string, unknown>, subject = "sub-carol") => idp.token(claims, { subject });

describe("OIDC callers as USERs", () => {
  it("takes the name from OIDC_USERNAME_CLAIM (not the e-mail), and a USER sees only the workers it owns", async () => {
    const carols = aWorker({ name: "carols", owner: "carol" }, 1);
    const daves = aWorker({ name: "daves", owner: "dave" }, 2);
    await fleet.workers.insert(carols, []);
    await fleet.workers.insert(daves, []);
    const jwt = await token({ groups: ["user"], preferred_username: "carol", email: "carol@example.edu" });
    const result = dataOf(
      await gql<{ viewer: unknown; workers: { edges: { node: { id: string } }[] } }>(
        api.url,
        "{ viewer { name role } workers { edges { node { id } } } }",
        { token: jwt },
      ),
    );
    expect(result.viewer).toEqual({ name: "carol", role: "USER" });
    expect(result.workers.edges.map((edge) => edge.node.id)).toEqual([carols.id]);
    const other = await gql(api.url, "mutation($id: ID!) { stopWorker(id: $id) { job { id } } }", {
      token: jwt,
      variables: { id: daves.id },
    });
    expect(codes(other)).toEqual(["NOT_FOUND"]);
  });

  it("falls back to sub without the claim, and a ranked role in the claim wins over USER", async () => {
    const unnamed = await token({ groups: ["USER"] }, "sub-erin");
    expect(
      dataOf(await gql<{ viewer: unknown }>(api.url, "{ viewer { name role } }", { token: unnamed })).viewer,
    ).toEqual({ name: "sub-erin", role: "USER" });
    const both = await token({ groups: ["user", "operator"], preferred_username: "frank" });
    expect(
      dataOf(await gql<{ viewer: unknown }>(api.url, "{ viewer { name role } }", { token: both })).viewer,
    ).toEqual({ name: "frank", role: "OPERATOR" });
  });

  it("a worker owned by group:<name> is every USER's in that group (OIDC_GROUPS_CLAIM), and nobody else's", async () => {
    const shared = aWorker({ name: "shared", owner: "group:lab-a" }, 3);
    await fleet.workers.insert(shared, []);
    const inGroup = await token({
      groups: ["user"],
      preferred_username: "gina",
      teams: ["lab-a", "bad\nteam"],
    });
    const outside = await token({ groups: ["user"], preferred_username: "hank", teams: "lab-b" });
    const WORKERS = "{ workers { totalCount edges { node { id owner } } } }";
    type Page = { workers: { totalCount: number; edges: { node: { id: string; owner: string } }[] } };
    const ginas = dataOf(await gql<Page>(api.url, WORKERS, { token: inGroup })).workers;
    expect(ginas.edges.map((edge) => edge.node)).toEqual([{ id: shared.id, owner: "group:lab-a" }]);
    expect(ginas.totalCount).toBe(1);
    const started = await gql(api.url, "mutation($id: ID!) { stopWorker(id: $id) { worker { id } } }", {
      token: inGroup,
      variables: { id: shared.id },
    });
    expect(started.errors).toEqual([]);
    expect(dataOf(await gql<Page>(api.url, WORKERS, { token: outside })).workers.totalCount).toBe(0);
    const refused = await gql(api.url, "mutation($id: ID!) { stopWorker(id: $id) { worker { id } } }", {
      token: outside,
      variables: { id: shared.id },
    });
    expect(codes(refused)).toEqual(["NOT_FOUND"]);
  });

  it("refuses a token whose name claims to be a group", async () => {
    const jwt = await token({ groups: ["user"], preferred_username: "group:lab-a" });
    const result = await gql(api.url, "{ viewer { name } }", { token: jwt });
    expect(codes(result)).toEqual(["UNAUTHENTICATED"]);
  });
});
