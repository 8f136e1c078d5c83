import { randomBytes } from "node:crypto";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { type PrivatePostgres, startPrivatePostgres } from "@cml-fleet/platform/testing/private-postgres";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteKeys, TEST_REDIS_URL } from "../../../platform/test/support/test-redis";
import { type ApiApp, createApiApp } from "../../src/app";
import { generateTokenSecret } from "../../src/auth/token-secret";
import { type RunningApiServer, startApiServer } from "../../src/http/server";
import { codes, dataOf, gql } from "./support/graphql-client";

/**
 * Postgres stopped under a running API (a private cluster: the shared one is
 * never touched). A request must not hang on it (a bound far above the
 * connect timeout turns a hang into a failure, no timing is asserted):
 * /readyz says Postgres is down, mutations answer UPSTREAM_UNAVAILABLE in
 * words a person can act on and change nothing, and once Postgres is back
 * the same process serves again.
 */
const NO_HANG_MS = 30_000;

const CREATE = `mutation ($input: CreateWorkerInput!) { createWorker(input: $input) { worker { id name } } }`;
const STOP = `mutation ($id: ID!) { stopWorker(id: $id) { worker { id desiredStatus } } }`;
const WORKERS = `{ workers(first: 50) { totalCount edges { node { id name desiredStatus } } } }`;

interface Listed {
  readonly workers: {
    readonly totalCount: number;
    readonly edges: readonly {
      readonly node: { readonly id: string; readonly name: string; readonly desiredStatus: string };
    }[];
  };
}

describe("Postgres stopped under a running API", () => {
  let postgres: PrivatePostgres;
  let app: ApiApp;
  let server: RunningApiServer;
  let redis: Redis;
  const prefix = `test-postgres-down-${randomBytes(4).toString("hex")}`;
  const admin = generateTokenSecret();

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    redis = new Redis(TEST_REDIS_URL);
    const settings = loadSettings({
      NODE_ENV: "test",
      DATABASE_URL: postgres.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      BOOTSTRAP_ADMIN_TOKEN: admin,
      LOG_LEVEL: "fatal",
    });
    app = await createApiApp({ settings, logger: silentLogger });
    server = await startApiServer(app.deps, { port: 0 });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
    if (redis !== undefined) {
      await deleteKeys(redis, prefix);
      await redis.quit();
    }
    await postgres?.cleanup();
  }, 120_000);

  const call = <T>(query: string, variables: Record<string, unknown> = {}) =>
    withinBound(gql<T>(server.url, query, { token: admin, variables }));
  const readiness = async () => {
    const response = await withinBound(
      fetch(`${server.url.replace(/\/graphql$/, "")}/readyz`, {
        headers: { authorization: `Bearer ${admin}` },
      }),
    );
    return { status: response.status, body: (await response.json()) as { checks?: Record<string, string> } };
  };

  it("says so on /readyz, refuses mutations with UPSTREAM_UNAVAILABLE and changes nothing, then serves again once it is back", async () => {
    const kept = dataOf(
      await call<{ createWorker: { worker: { id: string } } }>(CREATE, {
        input: { name: "pg-kept", region: "us-east-1" },
      }),
    ).createWorker.worker;
    expect((await readiness()).status).toBe(200);

    await postgres.stop();

    const down = await readiness();
    expect(down.status).toBe(503);
    expect(down.body.checks?.postgres).not.toBe("ok");
    expect(down.body.checks?.redis).toBe("ok");

    // Every credential is looked up in the database first (OIDC ones too), so both are refused there;
    // error-mapping.spec shows a resolver's own failed write mapped the same way.
    for (const refused of [
      await call(CREATE, { input: { name: "pg-refused", region: "us-east-1" } }),
      await call(STOP, { id: kept.id }),
    ]) {
      expect(codes(refused)).toEqual(["UPSTREAM_UNAVAILABLE"]);
      expect(refused.errors[0]?.message).toMatch(
        /^database: the database is unavailable \(Postgres does not answer\); try again once it is back/,
      );
    }

    // The ADMIN queue view checks its credential there too: refused the same way, as JSON.
    const queueView = await withinBound(
      fetch(`${server.url.replace(/\/graphql$/, "")}/admin/queues/api/queues`, {
        headers: { authorization: `Bearer ${admin}` },
      }),
    );
    expect(queueView.status).toBe(503);
    expect(await queueView.json()).toEqual({
      errors: [
        {
          message: expect.stringMatching(/^database: the database is unavailable/),
          extensions: { code: "UPSTREAM_UNAVAILABLE" },
        },
      ],
    });

    await postgres.start();

    await expect.poll(async () => (await readiness()).status, { timeout: NO_HANG_MS }).toBe(200);
    const listed = dataOf(await call<Listed>(WORKERS)).workers;
    expect(listed.totalCount).toBe(1);
    expect(listed.edges.map((edge) => edge.node.name)).toEqual(["pg-kept"]);
    expect(listed.edges[0]?.node.desiredStatus).not.toBe("STOPPED");
    const again = dataOf(
      await call<{ createWorker: { worker: { name: string } } }>(CREATE, {
        input: { name: "pg-again", region: "us-east-1" },
      }),
    );
    expect(again.createWorker.worker.name).toBe("pg-again");
    const stopped = dataOf(
      await call<{ stopWorker: { worker: { desiredStatus: string } } }>(STOP, { id: kept.id }),
    );
    expect(stopped.stopWorker.worker.desiredStatus).toBe("STOPPED");
  }, 180_000);
});

/** The promise, or a failure once NO_HANG_MS has passed: a request hanging on the database fails the test. */
async function withinBound<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${NO_HANG_MS} ms: the request hangs`)),
      NO_HANG_MS,
    );
  });
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}
