import { describe, expect, it } from "vitest";
import { codes, dataOf, gql, PATIENCE, subscribeWs } from "../graphql/support/graphql-client";
import { useTestFleet } from "../graphql/support/test-fleet";
import { auditRowsOf, edgeServers, freshRequestId } from "./support/edge-servers";

const { fleet, api } = useTestFleet("edge-rate-limit");
const servers = edgeServers(api);

/**
 * One operation a minute refills nothing within a test, so the burst alone
 * decides: what the test sends beyond it is refused, with no timing involved.
 */
const THREE_AT_ONCE = { RATE_LIMIT_PER_MINUTE: "1", RATE_LIMIT_BURST: "3" };

const QUERY = "{ workers { totalCount } }";

async function statuses(url: string, count: number, token: string | null): Promise<number[]> {
  const answered: number[] = [];
  for (let i = 0; i < count; i++) {
    answered.push((await gql(url, QUERY, { token })).status);
  }
  return answered;
}

describe("the per-client rate limit", () => {
  it("refuses a credential past its burst with 429, QUOTA_EXCEEDED and Retry-After", async () => {
    const edge = await servers.start(THREE_AT_ONCE);
    expect(await statuses(edge.url, 3, fleet.tokens.VIEWER)).toEqual([200, 200, 200]);
    const response = await fetch(edge.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${fleet.tokens.VIEWER}` },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    const body = (await response.json()) as {
      data?: unknown;
      errors: { message: string; extensions: unknown }[];
    };
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]?.extensions).toMatchObject({ code: "QUOTA_EXCEEDED" });
    expect(body.errors[0]?.message).toMatch(/1 operations a minute \(3 at once\)\. Retry in \d+s/);
  });

  it("counts each credential on its own, and callers without one by their address", async () => {
    const edge = await servers.start(THREE_AT_ONCE);
    expect(await statuses(edge.url, 4, fleet.tokens.VIEWER)).toEqual([200, 200, 200, 429]);
    // Same address, another credential: a bucket of its own.
    expect(await statuses(edge.url, 1, fleet.tokens.OPERATOR)).toEqual([200]);
    // No credential, or a made-up one: the address's bucket, which a new made-up token does not refill.
    expect(await statuses(edge.url, 2, null)).toEqual([401, 401]);
    expect(await statuses(edge.url, 1, "cmlf_made-up-1")).toEqual([401]);
    expect(await statuses(edge.url, 1, "cmlf_made-up-2")).toEqual([429]);
    expect(await statuses(edge.url, 1, null)).toEqual([429]);
  });

  it("writes nothing for a refused request: no audit row, no change", async () => {
    const edge = await servers.start(THREE_AT_ONCE);
    expect(await statuses(edge.url, 3, "cmlf_made-up-3")).toEqual([401, 401, 401]);
    const refused = freshRequestId();
    const result = await gql(
      edge.url,
      `mutation { createWorker(input: { name: "limited", region: "us-east-1" }) { worker { id } } }`,
      {
        token: "cmlf_made-up-4",
        headers: { "x-request-id": refused },
      },
    );
    expect(result.status).toBe(429);
    // A request answered after it has its row written; the refused one has none.
    const later = freshRequestId();
    await gql(api.url, QUERY, { token: "cmlf_made-up-5", headers: { "x-request-id": later } });
    await expect.poll(async () => (await auditRowsOf(fleet, later)).length, PATIENCE).toBe(1);
    expect(await auditRowsOf(fleet, refused)).toEqual([]);

    const admin = async (url: string) =>
      gql(
        url,
        `mutation { createWorker(input: { name: "limited-admin", region: "us-east-1" }) { worker { id } } }`,
        {
          token: fleet.tokens.ADMIN,
        },
      );
    for (let i = 0; i < 3; i++) {
      dataOf(await admin(edge.url));
    }
    const before = dataOf(
      await gql<{ workers: { totalCount: number } }>(api.url, QUERY, { token: fleet.tokens.ADMIN }),
    );
    expect(codes(await admin(edge.url))).toEqual(["QUOTA_EXCEEDED"]);
    const after = dataOf(
      await gql<{ workers: { totalCount: number } }>(api.url, QUERY, { token: fleet.tokens.ADMIN }),
    );
    expect(after.workers.totalCount).toBe(before.workers.totalCount);
  });

  it("counts graphql-ws operations in the same bucket as HTTP requests", async () => {
    const edge = await servers.start(THREE_AT_ONCE);
    const wsUrl = edge.url.replace(/^http/, "ws");
    expect(await statuses(edge.url, 2, fleet.tokens.VIEWER)).toEqual([200, 200]);
    const allowed = subscribeWs<{ workers: { totalCount: number } }>(wsUrl, QUERY, {
      token: fleet.tokens.VIEWER,
    });
    await expect.poll(() => allowed.events.length, PATIENCE).toBe(1);
    await allowed.dispose();
    const refused = subscribeWs(wsUrl, "subscription { workerChanged { id } }", {
      token: fleet.tokens.VIEWER,
    });
    try {
      await expect.poll(() => JSON.stringify(refused.errors), PATIENCE).toContain("QUOTA_EXCEEDED");
      expect(refused.events).toEqual([]);
      // yoga's HTTP instructions (status, Retry-After) are not part of a graphql-ws error.
      expect(JSON.stringify(refused.errors)).not.toContain('"http"');
    } finally {
      await refused.dispose();
    }
  });

  it("counts graphql-ws operations without a credential against their address, as HTTP ones", async () => {
    const edge = await servers.start(THREE_AT_ONCE);
    expect(await statuses(edge.url, 3, null)).toEqual([401, 401, 401]);
    const refused = subscribeWs(edge.url.replace(/^http/, "ws"), "subscription { workerChanged { id } }");
    try {
      await expect.poll(() => JSON.stringify(refused.errors), PATIENCE).toContain("QUOTA_EXCEEDED");
      expect(JSON.stringify(refused.errors)).not.toContain("UNAUTHENTICATED");
    } finally {
      await refused.dispose();
    }
  });

  it("is off with RATE_LIMIT_PER_MINUTE=0, and RATE_LIMIT_BURST sets how many pass at once", async () => {
    const off = await servers.start({ RATE_LIMIT_PER_MINUTE: "0", RATE_LIMIT_BURST: "1" });
    expect(await statuses(off.url, 8, fleet.tokens.VIEWER)).toEqual(Array(8).fill(200));
    const five = await servers.start({ RATE_LIMIT_PER_MINUTE: "1", RATE_LIMIT_BURST: "5" });
    expect(await statuses(five.url, 6, fleet.tokens.VIEWER)).toEqual([200, 200, 200, 200, 200, 429]);
  });
});
