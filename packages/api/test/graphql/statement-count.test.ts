import { userActor } from "@cml-fleet/core/domain/actor";
import { createWorkerRepository } from "@cml-fleet/platform/repositories/worker.repository";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aWorker } from "../support/worker-factory";
import { dataOf, gql } from "./support/graphql-client";
import { createTestFleet, type TestApi, type TestFleet } from "./support/test-fleet";

let fleet: TestFleet;
let api: TestApi;

const PAGE_QUERY = `query($first: Int!) { workers(first: $first) { totalCount edges { cursor node {
  id name status license { status nodeLimit } telemetry { sampledAt cpuPercent }
  recentTelemetry(first: 5) { sampledAt cpuPercent } labs { id title } tags { key value }
  idle { enabled thresholdMinutes isIdle idleSince } cost { hourlyRate accrued savedByAutoStop }
  events(first: 3) { type message actor } activeJob { id } } } } }`;

beforeAll(async () => {
  fleet = await createTestFleet("statements");
  api = await fleet.startApi();
  const workers = createWorkerRepository(fleet.db.db);
  const actor = userActor("seed", "seed");
  for (let n = 0; n < 100; n++) {
    const worker = aWorker(
      { status: "RUNNING", tags: { n: String(n) }, labs: [{ id: `l${n}`, title: "lab", state: "STARTED" }] },
      n,
    );
    await workers.insert(worker, [
      {
        type: "worker.created",
        workerId: worker.id,
        at: worker.createdAt,
        message: "created",
        reason: null,
        actor,
        data: {},
      },
      {
        type: "worker.status_changed",
        workerId: worker.id,
        at: worker.createdAt,
        message: "running",
        reason: null,
        actor,
        data: { from: "PENDING", to: "RUNNING" },
      },
    ]);
    await workers.saveTelemetry([
      {
        workerId: worker.id,
        sampledAt: worker.createdAt,
        cpuPercent: 5,
        memoryPercent: 10,
        networkInBytes: null,
        networkOutBytes: null,
        runningNodes: 0,
        startedLabs: 1,
        cmlReachable: true,
        instanceStatusCheck: "ok",
        systemStatusCheck: "ok",
      },
    ]);
  }
});

afterAll(() => fleet?.close());

async function statementsForPage(first: number): Promise<string[]> {
  return fleet.db.recordStatements(async () => {
    const page = dataOf(
      await gql<{ workers: { edges: unknown[] } }>(api.url, PAGE_QUERY, {
        token: fleet.tokens.VIEWER,
        variables: { first },
      }),
    );
    expect(page.workers.edges).toHaveLength(first);
  });
}

describe("a page of workers with every nested field", () => {
  it("takes the same number of SQL statements for 10 workers as for 100", async () => {
    // The first request also stamps the token's lastUsedAt; count from a steady state.
    await statementsForPage(1);
    const ten = await statementsForPage(10);
    const hundred = await statementsForPage(100);
    expect(hundred.length).toBe(ten.length);
    // One per batch: the page, its count, status history, telemetry, events (x2 limits), token lookup.
    expect(ten.length).toBeGreaterThanOrEqual(5);
    expect(ten.length).toBeLessThanOrEqual(10);
  });
});
