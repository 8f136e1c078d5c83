import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CML_CONNECTIONS_PER_WORKER } from "../../src/adapters/cml/cml-client-options";
import { createCmlClient, type HttpCmlClient } from "../../src/adapters/cml/create-cml-client";
import type { CmlEndpoint } from "../../src/ports/cml-client.port";
import { observeCml } from "../../src/services/worker-observation";
import { silentLogger } from "../support/silent-logger";
import { readySimWorker, simControl } from "../support/sim-support";

/**
 * The CML client at sweep scale, through real HTTPS against the simulator:
 * connections (and their TLS) kept from one round of looks to the next, one
 * bound on the requests in flight, a worker's questions asked together, and
 * a look past its deadline giving its request slots back. The simulator's
 * counters are the evidence (`cmlConnections`, `cmlInFlightPeak`, with
 * `cmlLatencyMs` holding every answer so requests overlap), never wall time.
 */
let sim: RunningSimulator;
let control: ReturnType<typeof simControl>;
const clients: HttpCmlClient[] = [];

const USERNAME = "fleet-admin";
const PASSWORD = "fleet-secret";
/** The questions of one look at a worker without labs (system information, health, stats, licensing, labs, activity). */
const QUESTIONS = 6;

interface SpeedStats {
  readonly cml: Readonly<Record<string, number>>;
  readonly cmlInFlightPeak: number;
  readonly cmlConnections: number;
}

const stats = async () => (await control.call("GET", "/_sim/stats")) as SpeedStats;
const requests = (counts: SpeedStats) => Object.values(counts.cml).reduce((sum, n) => sum + n, 0);

function client(
  limits: { requestsInFlight?: number; connectionsPerWorker?: number; maxIdleConnections?: number } = {},
): HttpCmlClient {
  const created = createCmlClient({
    username: USERNAME,
    password: PASSWORD,
    tls: { verify: false },
    requestTimeoutMs: 10_000,
    logger: silentLogger,
    ...limits,
  });
  clients.push(created);
  return created;
}

/** One look at each worker, all at once (as a sweep does), every one expected to answer. */
async function lookAtAll(cml: HttpCmlClient, endpoints: readonly CmlEndpoint[]): Promise<void> {
  const looks = await Promise.all(endpoints.map((endpoint) => observeCml(cml, endpoint, null)));
  expect(looks.map((look) => look.reachable)).toEqual(endpoints.map(() => true));
}

async function workers(count: number): Promise<CmlEndpoint[]> {
  const ready = await Promise.all(Array.from({ length: count }, () => readySimWorker(sim, control)));
  return ready.map(({ endpoint }) => endpoint);
}

beforeAll(async () => {
  sim = await startSimulator({
    bootDelayMs: 20,
    stopDelayMs: 20,
    cmlReadyDelayMs: 20,
    cmlUsername: USERNAME,
    cmlPassword: PASSWORD,
  });
  control = simControl(sim);
});

afterEach(async () => {
  for (const created of clients.splice(0)) {
    created.close();
  }
  await control.faults({ cmlLatencyMs: 0 });
});

afterAll(async () => {
  await sim.close();
});

describe("the CML client at sweep scale", () => {
  it("keeps its connections from one round of looks to the next: the second round opens none", async () => {
    const endpoints = await workers(5);
    const cml = client();
    await control.resetStats();

    await lookAtAll(cml, endpoints);
    const first = await stats();
    await control.resetStats();
    await lookAtAll(cml, endpoints);
    const second = await stats();

    // The first round signed in and connected, at most the per-worker bound of connections to each worker.
    expect(first.cmlConnections).toBeGreaterThanOrEqual(endpoints.length);
    expect(first.cmlConnections).toBeLessThanOrEqual(endpoints.length * DEFAULT_CML_CONNECTIONS_PER_WORKER);
    // The second asked every question again over the same connections, signed in already.
    expect(requests(second)).toBe(endpoints.length * QUESTIONS);
    expect(second.cmlConnections).toBe(0);
  });

  it("never has more requests in flight than its bound, over all workers together, and reaches it", async () => {
    const endpoints = await workers(5);
    const cml = client({ requestsInFlight: 3 });
    // Signed in first, so the round measured asks every worker all its questions at once.
    await lookAtAll(cml, endpoints);
    await control.faults({ cmlLatencyMs: 100 });
    await control.resetStats();

    await lookAtAll(cml, endpoints);

    const round = await stats();
    expect(requests(round)).toBe(endpoints.length * QUESTIONS);
    expect(round.cmlInFlightPeak).toBe(3);
    expect(cml.load()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it("asks one worker's questions together: all six are in flight at once", async () => {
    const [endpoint] = await workers(1);
    if (endpoint === undefined) {
      throw new Error("no worker");
    }
    const cml = client({ connectionsPerWorker: 8 });
    await lookAtAll(cml, [endpoint]);
    await control.faults({ cmlLatencyMs: 200 });
    await control.resetStats();

    await lookAtAll(cml, [endpoint]);

    const look = await stats();
    expect(requests(look)).toBe(QUESTIONS);
    expect(look.cmlInFlightPeak).toBe(QUESTIONS);
  });

  it("keeps no more idle connections than its bound over all workers: past it, the next round connects again", async () => {
    const endpoints = await workers(5);
    const cml = client({ maxIdleConnections: 3 });
    await lookAtAll(cml, endpoints);
    await control.resetStats();

    await lookAtAll(cml, endpoints);

    // At most three connections were kept for five workers: at least two had to be made again.
    expect((await stats()).cmlConnections).toBeGreaterThanOrEqual(2);
  });

  it("keeps the connection of the worker it is asking when its bound is full, and the ones it kept before", async () => {
    const [done, asked] = await workers(2);
    if (done === undefined || asked === undefined) {
      throw new Error("no workers");
    }
    const cml = client({ maxIdleConnections: DEFAULT_CML_CONNECTIONS_PER_WORKER });
    await lookAtAll(cml, [done]);
    await control.resetStats();

    // The first worker's connections fill the bound; the second's questions still need only its own, kept
    // between them and closed after its last, so the first worker's stay for the next round.
    await lookAtAll(cml, [asked]);
    expect((await stats()).cmlConnections).toBeLessThanOrEqual(DEFAULT_CML_CONNECTIONS_PER_WORKER);
    expect(cml.load().idleConnections).toBe(DEFAULT_CML_CONNECTIONS_PER_WORKER);
    await control.resetStats();
    await lookAtAll(cml, [done]);
    expect((await stats()).cmlConnections).toBe(0);
  });

  it("past its bound, keeps the same workers' connections round after round, one connection a look for the rest", async () => {
    const endpoints = await workers(8);
    const cml = client({ maxIdleConnections: 4 });
    await lookAtAll(cml, endpoints);
    for (let round = 0; round < 2; round++) {
      await control.resetStats();
      await lookAtAll(cml, endpoints);
      // Four workers' connections kept and used again; each of the other four's looks connected once, resumed.
      expect(await stats()).toMatchObject({ cmlConnections: 4, cmlResumedSessions: 4 });
      expect(cml.load().idleConnections).toBe(4);
    }
  });

  it("holds one worker to its share of connections: by default one question at a time", async () => {
    const [endpoint] = await workers(1);
    if (endpoint === undefined) {
      throw new Error("no worker");
    }
    const cml = client();
    await lookAtAll(cml, [endpoint]);
    await control.faults({ cmlLatencyMs: 200 });
    await control.resetStats();

    await lookAtAll(cml, [endpoint]);

    expect((await stats()).cmlInFlightPeak).toBe(DEFAULT_CML_CONNECTIONS_PER_WORKER);
  });

  it("gives a look's request slots back when its deadline passes, so the next worker is asked", async () => {
    const [slow, next] = await workers(2);
    if (slow === undefined || next === undefined) {
      throw new Error("no workers");
    }
    const cml = client({ requestsInFlight: 2 });
    await lookAtAll(cml, [slow, next]);
    await control.faults({ cmlLatencyMs: 2_000 });

    const late = await observeCml(cml, slow, null, 100);

    expect(late).toMatchObject({
      reachable: false,
      error: `CML at ${slow.baseUrl} did not answer within 100 ms`,
    });
    // Nothing of the abandoned look holds a slot or waits for one.
    expect(cml.load()).toMatchObject({ inFlight: 0, queued: 0 });
    await control.faults({ cmlLatencyMs: 0 });
    expect(await observeCml(cml, next, null, 10_000)).toMatchObject({ reachable: true });
  });
});
