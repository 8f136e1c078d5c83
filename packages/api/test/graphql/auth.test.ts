import type { RankedRole } from "@cml-fleet/core/domain/role";
import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { describe, expect, it, vi } from "vitest";
import { codes, dataOf, gql, PATIENCE, subscribeWs } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("auth");

const SOON = new Date(Date.now() + 3_600_000).toISOString();

/**
 * Each operation with arguments that make it fail harmlessly once allowed
 * (NOT_FOUND or BAD_USER_INPUT), and the least role the contract gives it.
 */
const OPERATIONS: readonly { name: string; role: RankedRole; document: string }[] = [
  {
    name: "createWorker",
    role: "ADMIN",
    document: `mutation { createWorker(input: { name: "m", region: "mars-1" }) { worker { id } } }`,
  },
  {
    name: "startWorker",
    role: "OPERATOR",
    document: `mutation { startWorker(id: "missing") { worker { id } } }`,
  },
  {
    name: "stopWorker",
    role: "OPERATOR",
    document: `mutation { stopWorker(id: "missing") { worker { id } } }`,
  },
  {
    name: "terminateWorker",
    role: "ADMIN",
    document: `mutation { terminateWorker(id: "missing") { worker { id } } }`,
  },
  {
    name: "refreshWorker",
    role: "OPERATOR",
    document: `mutation { refreshWorker(id: "missing") { worker { id } } }`,
  },
  {
    name: "registerLicense",
    role: "ADMIN",
    document: `mutation { registerLicense(id: "missing", token: "t") { worker { id } } }`,
  },
  {
    name: "deregisterLicense",
    role: "ADMIN",
    document: `mutation { deregisterLicense(id: "missing") { worker { id } } }`,
  },
  {
    name: "setWorkerTags",
    role: "OPERATOR",
    document: `mutation { setWorkerTags(id: "missing", tags: []) { id } }`,
  },
  {
    name: "setIdlePolicy",
    role: "OPERATOR",
    document: `mutation { setIdlePolicy(id: "missing", input: { enabled: false }) { id } }`,
  },
  {
    name: "keepAlive",
    role: "OPERATOR",
    document: `mutation { keepAlive(id: "missing", until: "${SOON}") { id } }`,
  },
  { name: "importWorkers", role: "ADMIN", document: `mutation { importWorkers(region: "mars-1") { id } }` },
  { name: "retryJob", role: "OPERATOR", document: `mutation { retryJob(id: "stop.missing") { id } }` },
  {
    name: "createApiToken",
    role: "ADMIN",
    document: `mutation { createApiToken(name: "", role: VIEWER) { token } }`,
  },
  { name: "revokeApiToken", role: "ADMIN", document: `mutation { revokeApiToken(id: "missing") { id } }` },
  { name: "workers", role: "VIEWER", document: "{ workers { totalCount } }" },
  { name: "worker", role: "VIEWER", document: `{ worker(id: "missing") { id } }` },
  { name: "fleetSummary", role: "VIEWER", document: "{ fleetSummary { total } }" },
  { name: "jobs", role: "VIEWER", document: "{ jobs { id } }" },
  { name: "job", role: "VIEWER", document: `{ job(id: "stop.missing") { id } }` },
  { name: "events", role: "VIEWER", document: "{ events { id } }" },
  { name: "apiTokens", role: "ADMIN", document: "{ apiTokens { id } }" },
];

const RANK: Record<RankedRole, number> = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 };
const CALLERS = ["anonymous", "VIEWER", "OPERATOR", "ADMIN"] as const;

describe("the role matrix", () => {
  const cases = OPERATIONS.flatMap((operation) => CALLERS.map((caller) => ({ ...operation, caller })));

  it.each(cases)("$name as $caller", async ({ document, role, caller }) => {
    const token = caller === "anonymous" ? null : fleet.tokens[caller];
    const result = await gql(api.url, document, { token });
    const allowed = caller !== "anonymous" && RANK[caller] >= RANK[role];
    if (allowed) {
      expect(codes(result)).not.toContain("FORBIDDEN");
      expect(codes(result)).not.toContain("UNAUTHENTICATED");
    } else {
      expect(codes(result)).toEqual([caller === "anonymous" ? "UNAUTHENTICATED" : "FORBIDDEN"]);
    }
  });
});

describe("authentication", () => {
  it("refuses an unknown token as UNAUTHENTICATED with HTTP 401", async () => {
    const result = await gql(api.url, "{ workers { totalCount } }", { token: "cmlf_not-a-real-token" });
    expect(result.status).toBe(401);
    expect(codes(result)).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses a malformed authorization header as UNAUTHENTICATED", async () => {
    const result = await gql(api.url, "{ workers { totalCount } }", {
      headers: { authorization: "Basic abc" },
    });
    expect(codes(result)).toEqual(["UNAUTHENTICATED"]);
  });

  it("records refusals in the audit log: who, what, and the code they got", async () => {
    await gql(api.url, `mutation { stopWorker(id: "audited") { worker { id } } }`, {
      token: fleet.tokens.VIEWER,
    });
    await gql(api.url, `mutation { startWorker(id: "audited") { worker { id } } }`);
    const audit = createAuditRepository(fleet.db.db);
    await vi.waitFor(async () => {
      const latest = await audit.list(200);
      const forbidden = latest.find((r) => r.operation === "stopWorker" && r.outcome === "FORBIDDEN");
      const unauthenticated = latest.find(
        (r) => r.operation === "startWorker" && r.outcome === "UNAUTHENTICATED",
      );
      expect(forbidden).toMatchObject({ actor: "viewer-token", role: "VIEWER" });
      expect(unauthenticated).toMatchObject({ actor: "anonymous", role: null });
    }, PATIENCE);
  });

  it("records mutations that were allowed in the audit log, without secrets", async () => {
    await gql(api.url, `mutation { createApiToken(name: "audited-ok", role: VIEWER) { token } }`, {
      token: fleet.tokens.ADMIN,
    });
    const created = dataOf(
      await gql<{ createWorker: { worker: { id: string } } }>(
        api.url,
        `mutation { createWorker(input: { name: "audited", region: "us-east-1" }) { worker { id } } }`,
        { token: fleet.tokens.ADMIN },
      ),
    );
    await gql(api.url, `mutation($id: ID!) { stopWorker(id: $id, reason: "audit me") { worker { id } } }`, {
      token: fleet.tokens.OPERATOR,
      variables: { id: created.createWorker.worker.id },
    });
    const latest = await createAuditRepository(fleet.db.db).list(50);
    const ok = (operation: string) => latest.find((r) => r.operation === operation && r.outcome === "ok");
    expect(ok("createApiToken")).toMatchObject({
      actor: "bootstrap-admin",
      role: "ADMIN",
      arguments: { name: "audited-ok", role: "VIEWER" },
    });
    expect(ok("createWorker")).toMatchObject({
      actor: "bootstrap-admin",
      arguments: { name: "audited", region: "us-east-1" },
    });
    expect(ok("stopWorker")).toMatchObject({
      actor: "operator-token",
      role: "OPERATOR",
      arguments: { id: created.createWorker.worker.id, reason: "audit me" },
    });
    expect(JSON.stringify(latest)).not.toContain("cmlf_");
  });

  it("refuses subscriptions over WebSocket without a valid token", async () => {
    const anonymous = subscribeWs(api.wsUrl, "subscription { workerChanged { id } }");
    const forged = subscribeWs(api.wsUrl, "subscription { workerChanged { id } }", { token: "cmlf_forged" });
    try {
      for (const subscription of [anonymous, forged]) {
        await expect.poll(() => JSON.stringify(subscription.errors), PATIENCE).toContain("UNAUTHENTICATED");
      }
    } finally {
      await anonymous.dispose();
      await forged.dispose();
    }
  });

  it("refuses an SSE subscription without a token", async () => {
    const response = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: "subscription { fleetEvents { id } }" }),
    });
    const text = await response.text();
    expect(text).toContain("UNAUTHENTICATED");
  });
});

describe("API token management", () => {
  it("creates a token whose secret is shown once and works, lists it, and revokes it", async () => {
    const created = dataOf(
      await gql<{
        createApiToken: {
          token: string;
          apiToken: { id: string; name: string; role: string; revoked: boolean };
        };
      }>(
        api.url,
        `mutation { createApiToken(name: "ci bot", role: OPERATOR) { token apiToken { id name role revoked lastUsedAt } } }`,
        { token: fleet.tokens.ADMIN },
      ),
    );
    expect(created.createApiToken.token).toMatch(/^cmlf_[A-Za-z0-9_-]{43}$/);
    expect(created.createApiToken.apiToken).toMatchObject({
      name: "ci bot",
      role: "OPERATOR",
      revoked: false,
    });
    const secret = created.createApiToken.token;

    const viewer = dataOf(
      await gql<{ viewer: unknown }>(api.url, "{ viewer { name role } }", { token: secret }),
    );
    expect(viewer.viewer).toEqual({ name: "ci bot", role: "OPERATOR" });

    const listed = dataOf(
      await gql<{ apiTokens: { id: string; lastUsedAt: string | null }[] }>(
        api.url,
        "{ apiTokens { id name role createdAt lastUsedAt revoked } }",
        {
          token: fleet.tokens.ADMIN,
        },
      ),
    );
    expect(
      listed.apiTokens.find((token) => token.id === created.createApiToken.apiToken.id)?.lastUsedAt,
    ).not.toBeNull();

    const revoked = dataOf(
      await gql<{ revokeApiToken: { revoked: boolean } }>(
        api.url,
        "mutation($id: ID!) { revokeApiToken(id: $id) { revoked } }",
        {
          token: fleet.tokens.ADMIN,
          variables: { id: created.createApiToken.apiToken.id },
        },
      ),
    );
    expect(revoked.revokeApiToken.revoked).toBe(true);
    const after = await gql(api.url, "{ viewer { name } }", { token: secret });
    expect(codes(after)).toEqual(["UNAUTHENTICATED"]);
  });

  it("answers NOT_FOUND when revoking a token that does not exist", async () => {
    const result = await gql(
      api.url,
      `mutation { revokeApiToken(id: "00000000-0000-0000-0000-000000000000") { id } }`,
      {
        token: fleet.tokens.ADMIN,
      },
    );
    expect(codes(result)).toEqual(["NOT_FOUND"]);
  });
});
