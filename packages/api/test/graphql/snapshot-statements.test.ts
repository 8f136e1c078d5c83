import { randomUUID } from "node:crypto";
import { createSnapshotRepository } from "@cml-fleet/platform/repositories/snapshot.repository";
import { beforeAll, describe, expect, it } from "vitest";
import { aWorker } from "../support/worker-factory";
import { dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("snapshot-statements");

const PAGE_QUERY = `query($first: Int!) { workers(first: $first) { edges { node {
  id snapshots { id snapshotId workerId state description sizeGiB createdAt } } } } }`;

interface SnapshotNode {
  readonly id: string;
  readonly snapshots: readonly {
    readonly id: string;
    readonly description: string | null;
    readonly state: string;
  }[];
}

beforeAll(async () => {
  const snapshots = createSnapshotRepository(fleet.db.db);
  for (let n = 0; n < 100; n++) {
    const worker = aWorker({ status: "RUNNING" }, n);
    await fleet.workers.insert(worker, []);
    for (const [age, description] of [
      [2, "older"],
      [1, "newer"],
    ] as const) {
      const id = randomUUID();
      await snapshots.insertIfAbsent({
        id,
        workerId: worker.id,
        accountId: worker.accountId,
        region: worker.region,
        description,
        createdAt: new Date(Date.UTC(2026, 10, 30, 8, 0, 0) - age * 60_000),
      });
      if (description === "older") {
        await snapshots.update(id, {
          snapshotId: `snap-${String(n).padStart(17, "0")}`,
          state: "COMPLETED",
          sizeGiB: 64,
        });
      }
    }
  }
});

async function page(first: number): Promise<SnapshotNode[]> {
  const data = dataOf(
    await gql<{ workers: { edges: { node: SnapshotNode }[] } }>(api.url, PAGE_QUERY, {
      token: fleet.tokens.VIEWER,
      variables: { first },
    }),
  );
  return data.workers.edges.map((edge) => edge.node);
}

describe("Worker.snapshots on a page of workers", () => {
  it("lists each worker's snapshots newest first", async () => {
    const nodes = await page(5);
    for (const node of nodes) {
      expect(node.snapshots.map((snapshot) => [snapshot.description, snapshot.state])).toEqual([
        ["newer", "PENDING"],
        ["older", "COMPLETED"],
      ]);
    }
  });

  it("takes the same number of SQL statements for 10 workers as for 100 (one for all their snapshots)", async () => {
    await page(1);
    const ten = await fleet.db.recordStatements(() => page(10));
    const hundred = await fleet.db.recordStatements(() => page(100));
    expect(hundred.length).toBe(ten.length);
    expect(ten.filter((statement) => /from "snapshots"/i.test(statement))).toHaveLength(1);
  });
});
