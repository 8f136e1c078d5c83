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
    for (let index = 0; index < API_PROCESSES; index++) {
      const api = await spawnChild(
        "api-child.ts",
        fleetChildEnv(ctx, { schema: db.schema, redisPrefix: prefix }, { BOOTSTRAP_ADMIN_TOKEN: token }),
      );
      defer(() => api.child.stop());
      apiUrls.push(String(api.ready.url));
    }
    ctx.log(`  connecting ${subscribers} subscribers`);
    const { child: subs } = await spawnChild(
      "subscribers-child.ts",
      {
        BENCH_SUBSCRIBERS: JSON.stringify({
          urls: apiUrls.map((url) => url.replace(/^http/, "ws")),
          subscribers,
          token,
        }),
      },
      180_000,
    );
    defer(() => subs.stop());

    // A subscription is live only once the server has run its subscribe; probe until every subscriber has seen one.
    ctx.log("  waiting until every subscription delivers");
    let probe = -1;
    await until(
      "every subscriber to receive a probe update",
      async () => {
        await mutate(apiUrls[0] ?? "", token, workers[0]?.id ?? "", probe--);
        const seen = await ask(subs, "seen");
        if (Number(seen.errors) > 0) {
          throw new Error(`subscription errors: ${String(seen.firstError)}`);
        }
        return Number(seen.subscribers) >= subscribers;
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
    await ask(subs, "reset");

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
      async () => Number((await ask(subs, "received")).total) >= expected,
      15_000,
      250,
    ).catch(() => undefined);
    const result = await ask(subs, "finish", { sentAt });
    const delivered = Number(result.delivered);
    const deliveryRatio = expected === 0 ? Number.NaN : delivered / expected;
    const p99 = Number(result.p99);
    const issuedRate = (total / issuingMs) * 1000;
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
        value: `p50 ${ms(Number(result.p50))}, p99 ${ms(p99)}`,
        reference: `target p99 < ${P99_TARGET_MS} ms; max ${ms(Number(result.max))}`,
        verdict: verdict(p99 < P99_TARGET_MS),
      },
      {
        scenario,
        metric: "latency save -> receipt (fan-out only)",
        value: `p50 ${ms(Number(result.fanoutP50))}, p99 ${ms(Number(result.fanoutP99))}`,
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
    ];
  });
}

export const subscriptionsScenario: Scenario = {
  name: "subscriptions",
  title: "Subscriptions",
  method: [
    `${API_PROCESSES} API child processes (createApiApp + startApiServer) share one Postgres schema and one Redis prefix; subscribers (graphql-ws, one connection each, workerChanged for all workers) are split evenly between them and live in their own child process`,
    "every subscriber must first receive a probe update (so every subscription is live), then the runner sends setWorkerTags mutations at a fixed pace, alternating between the API processes, each carrying its sequence number in a tag",
    "latency = receipt time in the subscriber process minus the time the runner sent that mutation (wall clock with sub-millisecond precision, same machine); delivery ratio = receipts / (successful mutations x subscribers), after waiting up to 15 s for stragglers",
  ],
  run: measure,
};
