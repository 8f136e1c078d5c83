import { generateTokenSecret } from "@cml-fleet/api/auth/token-secret";
import { type BenchChild, spawnChild } from "../harness/child-process";
import { fleetChildEnv } from "../harness/fleet-child-env";
import { createBenchDatabase, deleteRedisKeys, schemaName, withCleanup } from "../harness/resources";
import { insertWorkers, seedWorker } from "../harness/seed";
import { count, ms, percentile, sleep, until } from "../harness/stats";
import { type BenchContext, type ResultRow, type Scenario, verdict } from "../harness/types";

const API_PROCESSES = 2;
const WORKERS = 100;
const RATE_PER_SECOND = 50;
const P99_TARGET_MS = 250;
/**
 * Subscribers one child process holds: at 50 updates a second, 250 of them
 * are 12,500 messages a second to parse, about what one Node process does
 * without falling behind (more, and the bench would measure its own queue).
 */
const SUBSCRIBERS_PER_PROCESS = 250;
/** Subscribers on one credential (a credential may hold 20 connections per API process). */
const SUBSCRIBERS_PER_TOKEN = 10;

const MUTATION = `mutation Tag($id: ID!, $tags: [TagInput!]!) { setWorkerTags(id: $id, tags: $tags) { id updatedAt } }`;

const wallNow = () => performance.timeOrigin + performance.now();

async function mutate(url: string, token: string, workerId: string, sequence: number): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: MUTATION,
        variables: { id: workerId, tags: [{ key: "bench-seq", value: String(sequence) }] },
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return response.ok && !text.includes('"errors"');
  } catch {
    return false;
  }
}

async function ask(child: BenchChild, type: string, extra: Record<string, unknown> = {}) {
  child.send({ type, ...extra });
  return child.next(type, 60_000);
}

/** Asks every subscriber process the same question. */
function askAll(children: readonly BenchChild[], type: string, extra: Record<string, unknown> = {}) {
  return Promise.all(children.map((child) => ask(child, type, extra)));
}

const sum = (replies: readonly Record<string, unknown>[], key: string) =>
  replies.reduce((total, reply) => total + Number(reply[key]), 0);

/** The samples of every subscriber process, back in milliseconds. */
function mergedSamples(replies: readonly Record<string, unknown>[], key: string): number[] {
  return replies.flatMap((reply) => (reply[key] as number[]).map((tenths) => tenths / 10));
}

/** VIEWER tokens made by the bootstrap ADMIN through createApiToken, as an operator hands them out. */
async function viewerTokens(url: string, adminToken: string, howMany: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let n = 0; n < howMany; n++) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        query: "mutation($name: String!) { createApiToken(name: $name, role: VIEWER) { token } }",
        variables: { name: `bench-monitor-${n}` },
      }),
    });
    const body = (await response.json()) as { data?: { createApiToken?: { token?: string } } };
    const token = body.data?.createApiToken?.token;
    if (token === undefined) {
      throw new Error(`createApiToken failed: ${JSON.stringify(body).slice(0, 300)}`);
    }
    tokens.push(token);
  }
  return tokens;
}

async function measure(ctx: BenchContext): Promise<ResultRow[]> {
  const subscribers = ctx.quick ? 100 : 1_000;
  const durationMs = ctx.quick ? 3_000 : 20_000;
  const scenario = `Subscriptions: ${count(subscribers)} graphql-ws subscribers, ${API_PROCESSES} API processes`;
  return withCleanup(async (defer) => {
    const db = await createBenchDatabase(ctx.databaseUrl, schemaName(ctx.runId, "subs"));
    defer(() => db.drop());
    const workers = Array.from({ length: WORKERS }, (_, index) => seedWorker(index));
    await insertWorkers(db.database.db, workers);

    const token = generateTokenSecret();
    const prefix = `bench-${ctx.runId}-subs`;
    defer(() => deleteRedisKeys(ctx.redisUrl, prefix));
    const apiUrls: string[] = [];
    const apis: BenchChild[] = [];
    for (let index = 0; index < API_PROCESSES; index++) {
      const api = await spawnChild(
        "api-child.ts",
        fleetChildEnv(ctx, { schema: db.schema, redisPrefix: prefix }, { BOOTSTRAP_ADMIN_TOKEN: token }),
        // On a machine busy with other work, compiling and starting the API can take more than a minute.
        180_000,
      );
      defer(() => api.child.stop());
      apiUrls.push(String(api.ready.url));
      apis.push(api.child);
    }
    const tokens = await viewerTokens(
      apiUrls[0] ?? "",
      token,
      Math.ceil(subscribers / SUBSCRIBERS_PER_TOKEN),
    );
    const processes = Math.ceil(subscribers / SUBSCRIBERS_PER_PROCESS);
    ctx.log(
      `  connecting ${subscribers} subscribers from ${processes} processes on ${tokens.length} VIEWER tokens`,
    );
    const subs: BenchChild[] = [];
    for (let index = 0; index < processes; index++) {
      const first = index * SUBSCRIBERS_PER_PROCESS;
      const { child } = await spawnChild(
        "subscribers-child.ts",
        {
          BENCH_SUBSCRIBERS: JSON.stringify({
            urls: apiUrls.map((url) => url.replace(/^http/, "ws")),
            first,
            subscribers: Math.min(SUBSCRIBERS_PER_PROCESS, subscribers - first),
            tokens,
            subscribersPerToken: SUBSCRIBERS_PER_TOKEN,
          }),
        },
        180_000,
      );
      defer(() => child.stop());
      subs.push(child);
    }

    // A subscription is live only once the server has run its subscribe; probe until every subscriber has seen one.
    ctx.log("  waiting until every subscription delivers");
    let probe = -1;
    await until(
      "every subscriber to receive a probe update",
      async () => {
        await mutate(apiUrls[0] ?? "", token, workers[0]?.id ?? "", probe--);
        const seen = await askAll(subs, "seen");
        if (sum(seen, "errors") > 0) {
          throw new Error(
            `subscription errors: ${String(seen.find((reply) => reply.firstError !== null)?.firstError)}`,
          );
        }
        return sum(seen, "subscribers") >= subscribers;
      },
      60_000,
      300,
    );
    // Reference: the same mutation one at a time, with every subscriber listening but no other load.
    const alone: number[] = [];
    for (let n = 0; n < 10; n++) {
      const sent = performance.now();
      await mutate(apiUrls[n % apiUrls.length] ?? "", token, workers[n]?.id ?? "", probe--);
      alone.push(performance.now() - sent);
    }
    await sleep(500);
    await askAll(subs, "reset");
    const apiCpuBefore = await Promise.all(apis.map((api) => ask(api, "usage")));

    ctx.log(`  ${RATE_PER_SECOND} mutations a second for ${durationMs / 1000} s`);
    const total = Math.round((durationMs / 1000) * RATE_PER_SECOND);
    const interval = 1000 / RATE_PER_SECOND;
    const sentAt: Record<number, number> = {};
    const mutationLatencies: number[] = [];
    const pending: Promise<void>[] = [];
    let failed = 0;
    const started = performance.now();
    for (let sequence = 0; sequence < total; sequence++) {
      const wait = started + sequence * interval - performance.now();
      if (wait > 0) {
        await sleep(wait);
      }
      const worker = workers[sequence % workers.length];
      const url = apiUrls[sequence % apiUrls.length] ?? "";
      sentAt[sequence] = wallNow();
      const sent = performance.now();
      pending.push(
        mutate(url, token, worker?.id ?? "", sequence).then((ok) => {
          mutationLatencies.push(performance.now() - sent);
          if (!ok) {
            failed++;
            delete sentAt[sequence];
          }
        }),
      );
    }
    const issuingMs = performance.now() - started;
    await Promise.all(pending);
    const expected = (total - failed) * subscribers;
    await until(
      "every update to reach every subscriber",
      async () => sum(await askAll(subs, "received"), "total") >= expected,
      15_000,
      250,
    ).catch(() => undefined);
    const windowMs = performance.now() - started;
    const apiCpuAfter = await Promise.all(apis.map((api) => ask(api, "usage")));
    const finished = await askAll(subs, "finish", { sentAt });
    const delivered = sum(finished, "delivered");
    const deliveryRatio = expected === 0 ? Number.NaN : delivered / expected;
    const latencies = mergedSamples(finished, "latencyTenths");
    const fanout = mergedSamples(finished, "fanoutTenths");
    const p99 = percentile(latencies, 0.99);
    const issuedRate = (total / issuingMs) * 1000;
    const apiCpuShares = apiCpuAfter.map((after, index) => {
      const before = apiCpuBefore[index]?.cpu as NodeJS.CpuUsage | undefined;
      const now = after.cpu as NodeJS.CpuUsage;
      const usedMs =
        (now.user + now.system - (before === undefined ? 0 : before.user + before.system)) / 1000;
      return usedMs / windowMs;
    });
    const shares = (values: readonly number[]) =>
      values.map((value) => `${Math.round(value * 100)} %`).join(", ");
    return [
      {
        scenario,
        metric: "delivery ratio",
        value: deliveryRatio.toFixed(4),
        reference: `target 1.0 (${count(delivered)} of ${count(expected)} deliveries)`,
        verdict: verdict(deliveryRatio >= 1),
        note:
          failed > 0
            ? `over the ${count(total - failed)} mutations answered within 10 s; ${count(failed)} of ${count(total)} were not (see the round-trip row)`
            : undefined,
      },
      {
        scenario,
        metric: "latency mutation -> receipt",
        value: `p50 ${ms(percentile(latencies, 0.5))}, p99 ${ms(p99)}`,
        reference: `target p99 < ${P99_TARGET_MS} ms; max ${ms(percentile(latencies, 1))}`,
        verdict: verdict(p99 < P99_TARGET_MS),
      },
      {
        scenario,
        metric: "latency save -> receipt (fan-out only)",
        value: `p50 ${ms(percentile(fanout, 0.5))}, p99 ${ms(percentile(fanout, 0.99))}`,
        reference: "from the updatedAt the API stamps when saving",
        verdict: "n/a",
      },
      {
        scenario,
        metric: "mutations sent, round trip",
        value: `${issuedRate.toFixed(1)}/s, p50 ${ms(percentile(mutationLatencies, 0.5))}, p99 ${ms(percentile(mutationLatencies, 0.99))}`,
        reference: `asked ${RATE_PER_SECOND}/s for ${durationMs / 1000} s (${count(total)} mutations); one at a time: p50 ${ms(percentile(alone, 0.5))}`,
        verdict: "n/a",
        note: failed > 0 ? `${failed} mutations failed or timed out (10 s)` : undefined,
      },
      {
        scenario,
        metric: "CPU share of one core during the load",
        value: `API processes ${shares(apiCpuShares)}`,
        reference: `${processes} subscriber processes: ${shares(finished.map((reply) => Number(reply.cpuShare)))}`,
        verdict: "n/a",
        note: "a subscriber process near 100 % would measure its own backlog rather than the API's",
      },
    ];
  });
}

export const subscriptionsScenario: Scenario = {
  name: "subscriptions",
  title: "Subscriptions",
  method: [
    `${API_PROCESSES} API child processes (createApiApp + startApiServer) share one Postgres schema and one Redis prefix; subscribers (graphql-ws, one connection each, workerChanged for all workers) are split evenly between them and live in child processes of their own, at most ${SUBSCRIBERS_PER_PROCESS} to a process (one Node process cannot parse 1,000 subscribers' 50,000 messages a second), ${SUBSCRIBERS_PER_TOKEN} to a VIEWER token made through createApiToken (a credential may hold 20 connections per API process)`,
    "every subscriber must first receive a probe update (so every subscription is live), then the runner sends setWorkerTags mutations at a fixed pace, alternating between the API processes, each carrying its sequence number in a tag",
    "latency = receipt time in the subscriber process minus the time the runner sent that mutation (wall clock with sub-millisecond precision, same machine); delivery ratio = receipts / (successful mutations x subscribers), after waiting up to 15 s for stragglers",
  ],
  run: measure,
};
