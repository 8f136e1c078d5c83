import { beforeAll, describe, expect, it } from "vitest";
import { anEvent, aWorker } from "../support/worker-factory";
import { dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("page_cost");

const COST = "cost { hourlyRate accrued savedByAutoStop }";

interface Costed {
  readonly id: string;
  readonly cost: { readonly hourlyRate: number; readonly accrued: number; readonly savedByAutoStop: number };
}

beforeAll(async () => {
  for (let n = 0; n < 6; n++) {
    const worker = aWorker(
      { status: n % 2 === 0 ? "STOPPED" : "RUNNING", region: n < 3 ? "eu-west-1" : "us-east-1" },
      n,
    );
    const at = (minutes: number) => new Date(worker.createdAt.getTime() + minutes * 60_000);
    await fleet.workers.insert(worker, [
      anEvent({ workerId: worker.id, at: at(0) }),
      anEvent({
        workerId: worker.id,
        at: at(1),
        type: "worker.status_changed",
        data: { from: "PENDING", to: "RUNNING" },
      }),
      ...(n % 2 === 0
        ? [
            anEvent({ workerId: worker.id, at: at(60), type: "worker.auto_stopped" }),
            anEvent({
              workerId: worker.id,
              at: at(61),
              type: "worker.status_changed",
              data: { from: "RUNNING", to: "STOPPED" },
            }),
          ]
        : []),
    ]);
  }
});

async function page(query: string): Promise<{ costs: Costed[]; statements: number }> {
  let costs: Costed[] = [];
  const statements = await fleet.db.recordStatements(async () => {
    const data = dataOf(
      await gql<{ workers: { edges: { node: Costed }[] } }>(api.url, query, { token: fleet.tokens.VIEWER }),
    );
    costs = data.workers.edges.map((edge) => edge.node);
  });
  return { costs, statements: statements.length };
}

/** The same costs, read a moment apart: what accrues with time may have moved by a fraction of a cent. */
function expectSameCosts(actual: readonly Costed[], expected: readonly Costed[]): void {
  expect(actual.map((worker) => worker.id)).toEqual(expected.map((worker) => worker.id));
  actual.forEach(({ id, cost }, index) => {
    const other = expected[index]?.cost;
    expect(cost.hourlyRate, id).toBe(other?.hourlyRate);
    expect(cost.accrued, id).toBeCloseTo(other?.accrued ?? Number.NaN, 2);
    expect(cost.savedByAutoStop, id).toBeCloseTo(other?.savedByAutoStop ?? Number.NaN, 2);
  });
}

describe("a page of workers that asks for cost", () => {
  it("answers each worker's cost as worker(id) does, with the cost inputs read in the page's statement", async () => {
    // The first request also stamps the token's lastUsedAt; count from a steady state.
    await page(`{ workers(first: 1) { edges { node { id } } } }`);
    const whole = await page(`{ workers(first: 10) { edges { node { id ${COST} } } } }`);
    const throughFragment = await page(
      `{ workers(first: 10) { edges { ...Edge } } } fragment Edge on WorkerEdge { node { id ... on Worker { ${COST} } } }`,
    );
    const filtered = await page(
      `{ workers(first: 10, filter: { region: "eu-west-1" }) { edges { node { id ${COST} } } } }`,
    );
    const withoutCost = await page(`{ workers(first: 10) { edges { node { id } } } }`);

    expect(whole.costs).toHaveLength(6);
    for (const { id, cost } of whole.costs) {
      const alone = dataOf(
        await gql<{ worker: Costed }>(api.url, `query($id: ID!) { worker(id: $id) { id ${COST} } }`, {
          token: fleet.tokens.VIEWER,
          variables: { id },
        }),
      );
      expectSameCosts([{ id, cost }], [alone.worker]);
    }
    expectSameCosts(throughFragment.costs, whole.costs);
    // worker(id) reads its cost inputs with the worker too.
    const one = (fields: string) =>
      fleet.db.recordStatements(() =>
        gql(api.url, `query($id: ID!) { worker(id: $id) { ${fields} } }`, {
          token: fleet.tokens.VIEWER,
          variables: { id: whole.costs[0]?.id },
        }),
      );
    expect((await one(`id ${COST}`)).length).toBe((await one("id")).length);
    expectSameCosts(filtered.costs, whole.costs.slice(0, 3));
    // The auto-stopped workers have a saving, so the inputs were read, not left empty.
    expect(whole.costs.filter((worker) => worker.cost.savedByAutoStop > 0)).toHaveLength(3);
    expect([whole.statements, throughFragment.statements, filtered.statements]).toEqual([
      withoutCost.statements,
      withoutCost.statements,
      withoutCost.statements,
    ]);
  });
});
