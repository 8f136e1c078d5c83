import { generateTokenSecret } from "@cml-fleet/api/auth/token-secret";
import { spawnChild } from "../harness/child-process";
import { fleetChildEnv } from "../harness/fleet-child-env";
import { type LoadResult, runLoad } from "../harness/http-load";
import { createBenchDatabase, deleteRedisKeys, schemaName, withCleanup } from "../harness/resources";
import { insertWorkers, richWorker } from "../harness/seed";
import { count, ms, perSecond, ratio } from "../harness/stats";
import { type ResultRow, type Scenario, verdict } from "../harness/types";

const NESTED_TARGET = 0.25;

/**
 * Both servers run as the Dockerfile ships the API (NODE_ENV=production), so
 * the ratio compares production builds: graphql-js and yoga skip their
 * development-only checks there.
 */
const PRODUCTION = { NODE_ENV: "production" } as const;

const WORKER_FIELDS = `id name status region instanceType publicIp
  telemetry { sampledAt cpuPercent memoryPercent runningNodes startedLabs cmlReachable }
  license { status nodeLimit nodesInUse }
  idle { enabled isIdle idleSince lastActivityAt autoStopAt keepAliveUntil thresholdMinutes }
  cost { hourlyRate accrued savedByAutoStop }
  tags { key value }`;

interface Query {
  readonly label: string;
  readonly body: (index: number) => string;
  /** The target as a ratio of bare yoga's requests per second, when there is one. */
  readonly target?: number;
}

function queries(ids: readonly string[]): Query[] {
  const text = (query: string, variables: Record<string, unknown> = {}) =>
    JSON.stringify({ query, variables });
  const page = text(
    `{ workers(first: 20) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${WORKER_FIELDS} } } } }`,
  );
  const summary = text(
    "{ fleetSummary { total idle hourlyCost savedByAutoStop byStatus { status count } } }",
  );
  const one = `query One($id: ID!) { worker(id: $id) { ${WORKER_FIELDS} } }`;
  return [
    { label: "workers(first: 20), nested", body: () => page, target: NESTED_TARGET },
    { label: "worker(id)", body: (index) => text(one, { id: ids[index % ids.length] }) },
    { label: "fleetSummary", body: () => summary },
  ];
}

export const graphqlScenario: Scenario = {
  name: "graphql",
  title: "GraphQL",
  method: [
    "10,000 workers (quick: 2,000) with telemetry, license, idle state and three tags are bulk-inserted into a fresh Postgres schema",
    "the API is a child process built like production (createApiApp + startApiServer, bearer-token auth, Redis, the query limits, NODE_ENV=production as in the Dockerfile); the reference is a bare graphql-yoga { hello } server in another child (also NODE_ENV=production), measured with the same load just before and just after the API (their mean is the reference)",
    "load: a closed loop of keep-alive HTTP connections with fixed concurrency for a fixed time (after a warm-up), from the runner process; requests per second count successful answers only (HTTP 200 without errors)",
    "fleetSummary is answered from the API process's summary of the last second while no fleet event arrives (packages/api/src/graphql/fleet-summary-cache.ts): its SQL statements per request are the token lookup alone; the load sees no fleet events",
    "SQL statements per request: every statement the API's pooled Postgres connections send, counted inside the API process over 20 (quick: 3) sequential requests after the load",
  ],
  async run(ctx) {
    const workers = ctx.quick ? 2_000 : 10_000;
    const concurrency = ctx.quick ? 8 : 16;
    const durationMs = ctx.quick ? 2_000 : 10_000;
    const sqlSampleRequests = ctx.quick ? 3 : 20;
    const warmupMs = ctx.quick ? 1_000 : 3_000;
    const warmupRequests = ctx.quick ? 100 : 400;
    const rows: ResultRow[] = [];
    await withCleanup(async (defer) => {
      const db = await createBenchDatabase(ctx.databaseUrl, schemaName(ctx.runId, "graphql"));
      defer(() => db.drop());
      ctx.log(`  seeding ${workers} workers`);
      const seeded = Array.from({ length: workers }, (_, index) => richWorker(index));
      await insertWorkers(db.database.db, seeded);
      const ids = seeded.filter((_, index) => index % 97 === 0).map((worker) => worker.id);

      const token = generateTokenSecret();
      const prefix = `bench-${ctx.runId}-gql`;
      defer(() => deleteRedisKeys(ctx.redisUrl, prefix));
      const api = await spawnChild("api-child.ts", {
        ...fleetChildEnv(ctx, { schema: db.schema, redisPrefix: prefix }, { BOOTSTRAP_ADMIN_TOKEN: token }),
        ...PRODUCTION,
      });
      defer(() => api.child.stop());
      const bare = await spawnChild("bare-yoga-child.ts", PRODUCTION);
      defer(() => bare.child.stop());

      const load = (url: string, body: (index: number) => string, headers: Record<string, string> = {}) =>
        runLoad({
          url,
          body,
          headers,
          concurrency,
          durationMs,
          warmupRequests,
          warmupMs,
          maxRequests: 1_000_000,
        });
      const hello = JSON.stringify({ query: "{ hello }" });
      const auth = { authorization: `Bearer ${token}` };
      const apiUrl = String(api.ready.url);

      ctx.log("  bare yoga (before)");
      const bareBefore = await load(String(bare.ready.url), () => hello);
      const measured: { query: Query; result: LoadResult; statements: number }[] = [];
      for (const query of queries(ids)) {
        ctx.log(`  ${query.label}`);
        const result = await load(apiUrl, query.body, auth);
        api.child.send({ type: "statements" });
        const before = Number((await api.child.next("statements", 10_000)).count);
        await runLoad({
          url: apiUrl,
          body: query.body,
          headers: auth,
          concurrency: 1,
          durationMs: 60_000,
          maxRequests: sqlSampleRequests,
          warmupRequests: 0,
          requestTimeoutMs: 30_000,
        });
        api.child.send({ type: "statements" });
        const after = Number((await api.child.next("statements", 10_000)).count);
        measured.push({ query, result, statements: (after - before) / sqlSampleRequests });
      }
      ctx.log("  bare yoga (after)");
      const bareAfter = await load(String(bare.ready.url), () => hello);
      const bareRps = (bareBefore.requestsPerSecond + bareAfter.requestsPerSecond) / 2;
      const bareP99 = (bareBefore.p99Ms + bareAfter.p99Ms) / 2;

      rows.push({
        scenario: "GraphQL: bare graphql-yoga { hello }",
        metric: "requests/s, p99",
        value: `${perSecond(bareRps)}, p99 ${ms(bareP99)}`,
        reference: `before ${perSecond(bareBefore.requestsPerSecond)}, after ${perSecond(bareAfter.requestsPerSecond)}`,
        verdict: "n/a",
        note: `concurrency ${concurrency}, ${durationMs / 1000} s each`,
      });
      for (const { query, result, statements } of measured) {
        const share = result.requestsPerSecond / bareRps;
        const failed =
          result.failures > 0 ? `${result.failures} failed: ${result.firstFailure ?? ""}` : undefined;
        rows.push(
          {
            scenario: `GraphQL (${count(workers)} workers): ${query.label}`,
            metric: "requests/s vs bare yoga",
            value: `${perSecond(result.requestsPerSecond)} (${ratio(share)})`,
            reference:
              query.target === undefined
                ? "bare yoga = 1.00x"
                : `target >= ${query.target.toFixed(2)}x of bare yoga`,
            verdict:
              query.target === undefined ? "n/a" : verdict(share >= query.target && result.failures === 0),
            note: failed,
          },
          {
            scenario: `GraphQL (${count(workers)} workers): ${query.label}`,
            metric: "p99 latency vs bare yoga",
            value: `${ms(result.p99Ms)} (${ratio(result.p99Ms / bareP99)})`,
            reference: `p50 ${ms(result.p50Ms)}; bare yoga p99 ${ms(bareP99)}`,
            verdict: "n/a",
          },
          {
            scenario: `GraphQL (${count(workers)} workers): ${query.label}`,
            metric: "SQL statements per request",
            value: statements.toFixed(2),
            reference: `${sqlSampleRequests} sequential requests`,
            verdict: "n/a",
          },
        );
      }
    });
    return rows;
  },
};
