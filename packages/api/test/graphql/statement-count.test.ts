import { beforeAll, describe, expect, it } from "vitest";
import { anEvent, aSample, aWorker } from "../support/worker-factory";
import { dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("statements");

const PAGE_QUERY = `query($first: Int!) { workers(first: $first) { totalCount edges { cursor node {
  id name status license { status nodeLimit } telemetry { sampledAt cpuPercent }
  recentTelemetry(first: 5) { sampledAt cpuPercent } labs { id title } tags { key value }
  idle { enabled thresholdMinutes isIdle idleSince } cost { hourlyRate accrued savedByAutoStop }
  events(first: 3) { type message actor } activeJob { id } } } } }`;

beforeAll(async () => {
  for (let n = 0; n < 100; n++) {
    const worker = aWorker(
      { status: "RUNNING", tags: { n: String(n) }, labs: [{ id: `l${n}`, title: "lab", state: "STARTED" }] },
      n,
    );
    const at = worker.createdAt;
    await fleet.workers.insert(worker, [
      anEvent({ workerId: worker.id, at }),
      anEvent({
        workerId: worker.id,
        at,
        type: "worker.status_changed",
        message: "running",
        data: { from: "PENDING", to: "RUNNING" },
      }),
    ]);
    await fleet.workers.saveTelemetry([
      aSample(worker.id, 0, {
        sampledAt: at,
        cpuPercent: 5,
        memoryPercent: 10,
        networkInBytes: null,
        networkOutBytes: null,
        runningNodes: 0,
      }),
    ]);
  }
});

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
    // One per batch: the page (its count and the cost's status history ride on it), telemetry, events; the token
    // comes from the verified-token cache once the first request has read it.
    expect(ten.length).toBeGreaterThanOrEqual(3);
    expect(ten.length).toBeLessThanOrEqual(10);
  });
});
