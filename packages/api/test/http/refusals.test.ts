import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { describe, expect, it, vi } from "vitest";
import { codes, dataOf, gql, PATIENCE, subscribeWs } from "../graphql/support/graphql-client";
import { useTestFleet } from "../graphql/support/test-fleet";
import { auditRowsOf, freshRequestId } from "./support/edge-servers";

const { fleet, api } = useTestFleet("edge-refusals");

async function workerCount(): Promise<number> {
  const result = await gql<{ workers: { totalCount: number } }>(api.url, "{ workers { totalCount } }", {
    token: fleet.tokens.ADMIN,
  });
  return dataOf(result).workers.totalCount;
}

/** Waits for the request's audit rows to be written, then gives them (a second row would be written with the first). */
async function settledRowsOf(requestId: string) {
  await vi.waitFor(
    async () => expect((await auditRowsOf(fleet, requestId)).length).toBeGreaterThan(0),
    PATIENCE,
  );
  return auditRowsOf(fleet, requestId);
}

describe("a request without a credential", () => {
  it("gets one UNAUTHENTICATED error with 401, runs nothing, and costs one audit row", async () => {
    const before = await workerCount();
    const requestId = freshRequestId();
    const result = await gql(
      api.url,
      `mutation {
        a: createWorker(input: { name: "anon-a", region: "us-east-1" }) { worker { id } }
        b: createWorker(input: { name: "anon-b", region: "us-east-1" }) { worker { id } }
        stopWorker(id: "x") { worker { id } }
      }`,
      { headers: { "x-request-id": requestId } },
    );
    expect(result.status).toBe(401);
    expect(codes(result)).toEqual(["UNAUTHENTICATED"]);
    expect(result.data).toBeNull();
    expect(result.errors[0]?.message).toMatch(/Authorization: Bearer/);
    const rows = await settledRowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: "anonymous",
      role: null,
      outcome: "UNAUTHENTICATED",
      operation: "createWorker,stopWorker",
    });
    expect(await workerCount()).toBe(before);
  });

  it("is refused the same way for a query with many fields", async () => {
    const requestId = freshRequestId();
    const result = await gql(
      api.url,
      "{ workers { totalCount } fleetSummary { total } jobs { id } events { id } }",
      {
        headers: { "x-request-id": requestId },
      },
    );
    expect(result.status).toBe(401);
    expect(codes(result)).toEqual(["UNAUTHENTICATED"]);
    expect(await settledRowsOf(requestId)).toHaveLength(1);
  });

  it("may still read the schema (GraphiQL loads it before a token is given), writing nothing", async () => {
    const requestId = freshRequestId();
    const result = await gql<{ __schema: { queryType: { name: string } } }>(
      api.url,
      "{ __schema { queryType { name } } }",
      { headers: { "x-request-id": requestId } },
    );
    expect(dataOf(result).__schema.queryType.name).toBe("Query");
    // A later refused request's row is there, and none of this one's.
    const later = freshRequestId();
    await gql(api.url, "{ workers { totalCount } }", { headers: { "x-request-id": later } });
    await settledRowsOf(later);
    expect(await auditRowsOf(fleet, requestId)).toEqual([]);
  });

  it("is refused once over graphql-ws too", async () => {
    const subscription = subscribeWs(api.wsUrl, "subscription { workerChanged { id } }");
    try {
      await expect.poll(() => subscription.errors.length, PATIENCE).toBeGreaterThan(0);
      expect(subscription.errors).toHaveLength(1);
      expect(JSON.stringify(subscription.errors)).toContain("UNAUTHENTICATED");
      expect(subscription.events).toEqual([]);
    } finally {
      await subscription.dispose();
    }
  });
});

describe("a credential that does not check out", () => {
  it("gets one UNAUTHENTICATED error with 401 and one audit row, however many fields it asks for", async () => {
    const requestId = freshRequestId();
    const result = await gql(api.url, "{ workers { totalCount } apiTokens { id } jobs { id } }", {
      token: "cmlf_made-up-token",
      headers: { "x-request-id": requestId },
    });
    expect(result.status).toBe(401);
    expect(codes(result)).toEqual(["UNAUTHENTICATED"]);
    const rows = await settledRowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: "anonymous",
      operation: "authenticate",
      outcome: "UNAUTHENTICATED",
    });
  });
});

describe("fields an authenticated caller may not use", () => {
  it("are refused as FORBIDDEN, with one audit row for the request however many were asked for", async () => {
    const requestId = freshRequestId();
    const result = await gql(api.url, "{ a: apiTokens { id } b: apiTokens { id } c: apiTokens { name } }", {
      token: fleet.tokens.VIEWER,
      headers: { "x-request-id": requestId },
    });
    expect(new Set(codes(result))).toEqual(new Set(["FORBIDDEN"]));
    const rows = await settledRowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: "viewer-token",
      role: "VIEWER",
      outcome: "FORBIDDEN",
      operation: "apiTokens",
    });
  });

  it("leave no refusal row when nothing was refused", async () => {
    const allowed = freshRequestId();
    dataOf(
      await gql(api.url, "{ workers { totalCount } }", {
        token: fleet.tokens.VIEWER,
        headers: { "x-request-id": allowed },
      }),
    );
    const later = freshRequestId();
    await gql(api.url, "{ apiTokens { id } }", {
      token: fleet.tokens.VIEWER,
      headers: { "x-request-id": later },
    });
    await settledRowsOf(later);
    expect(await auditRowsOf(fleet, allowed)).toEqual([]);
  });

  it("over graphql-ws too: one audit row for the operation", async () => {
    const operation = subscribeWs(
      api.wsUrl,
      `mutation { a: revokeApiToken(id: "x") { id } b: revokeApiToken(id: "y") { id } }`,
      { token: fleet.tokens.VIEWER },
    );
    try {
      await expect.poll(() => operation.errors.length, PATIENCE).toBeGreaterThan(0);
      expect(JSON.stringify(operation.errors)).toContain("FORBIDDEN");
    } finally {
      await operation.dispose();
    }
    const rowsOfViewer = async () =>
      (await createAuditRepository(fleet.db.db).list(1_000)).filter(
        (row) => row.actor === "viewer-token" && row.operation.includes("revokeApiToken"),
      );
    await vi.waitFor(async () => expect((await rowsOfViewer()).length).toBeGreaterThan(0), PATIENCE);
    const rows = await rowsOfViewer();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role: "VIEWER", outcome: "FORBIDDEN" });
  });
});
