import { beforeAll, describe, expect, it } from "vitest";
import { anEvent, aWorker } from "../support/worker-factory";
import { dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

/**
 * A USER's reads are narrowed in SQL: a page of its workers, the summary and
 * its events cost the same statements for 10 workers as for 100, with other
 * owners' workers in the table.
 */
const { fleet, api } = useTestFleet("user-statements");

const READS = `query($first: Int!) {
  workers(first: $first) { totalCount edges { node { id owner events(first: 2) { type } cost { accrued } activeJob { id } } } }
  fleetSummary { total }
  events(first: $first) { id workerId }
  jobs(first: $first) { id }
}`;

let uma: string;

beforeAll(async () => {
  const created = dataOf(
    await gql<{ createApiToken: { token: string } }>(
      api.url,
      'mutation { createApiToken(name: "uma", role: USER) { token } }',
      { token: fleet.tokens.ADMIN },
    ),
  );
  uma = created.createApiToken.token;
  for (let n = 0; n < 130; n++) {
    // Every fourth worker (from 10 on) is someone else's, so the narrowing is doing the work.
    const owner = n >= 10 && n % 4 === 0 ? "someone-else" : "uma";
    const worker = aWorker({ status: "RUNNING", owner }, n);
    await fleet.workers.insert(worker, [anEvent({ workerId: worker.id, at: worker.createdAt })]);
  }
});

async function statementsFor(first: number): Promise<string[]> {
  return fleet.db.recordStatements(async () => {
    const read = dataOf(
      await gql<{
        workers: { totalCount: number; edges: { node: { owner: string } }[] };
        fleetSummary: { total: number };
      }>(api.url, READS, { token: uma, variables: { first } }),
    );
    expect(read.workers.edges).toHaveLength(first);
    expect(read.workers.edges.every((edge) => edge.node.owner === "uma")).toBe(true);
    expect(read.workers.totalCount).toBe(read.fleetSummary.total);
  });
}

describe("a USER's reads", () => {
  it("take the same number of SQL statements for 10 workers as for 100", async () => {
    await statementsFor(1);
    const ten = await statementsFor(10);
    const hundred = await statementsFor(100);
    expect(hundred.length).toBe(ten.length);
    expect(ten.length).toBeLessThanOrEqual(20);
  });
});
