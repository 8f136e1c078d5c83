import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aWorker } from "../../../api/test/support/worker-factory";
import { type Database, openDatabase } from "../../src/db/database";
import { createWorkerRepository } from "../../src/repositories/worker.repository";
import { workerCursor } from "../../src/repositories/worker-cursor";
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from "../../src/testing/test-database";

const WORKERS = 12;
// The cost reads' window as the API asks for it (list-bounds.ts).
const AUTO_STOP_WINDOW = 500;

let testDb: TestDatabase;
let expected: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase("worker_page_statements");
  const repository = createWorkerRepository(testDb.db);
  const inserted = [];
  for (let n = 0; n < WORKERS; n += 1) {
    inserted.push((await repository.insert(aWorker({}, n), [])).worker);
  }
  expected = [...inserted]
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
    .map((worker) => worker.id);
});
afterAll(() => testDb.cleanup());

describe("the whole fleet's pages", () => {
  it("read the same workers at every page size, those with statements of their own and those past the bound", async () => {
    // A repository of its own: the page sizes it has seen start from none.
    const repository = createWorkerRepository(testDb.db);
    for (const size of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 3, 11]) {
      const first = await repository.list({}, size, null);
      expect(first.workers.map((worker) => worker.id)).toEqual(expected.slice(0, size));
      expect(first.hasNextPage).toBe(size < WORKERS);
      expect(first.totalCount).toBe(WORKERS);

      const firstWorker = first.workers[0];
      expect(firstWorker).toBeDefined();
      const after = firstWorker === undefined ? null : workerCursor(firstWorker);
      const next = await repository.listWithCostInputs({}, size, after, AUTO_STOP_WINDOW);
      expect(next.workers.map((worker) => worker.id)).toEqual(expected.slice(1, 1 + size));
      expect(next.hasNextPage).toBe(1 + size < WORKERS);
      expect([...next.costInputs.keys()]).toEqual(expected.slice(1, 1 + size));
    }
  });

  it("are planned once per connection, not on every page", async () => {
    // One connection, so the prepared statements read back are the ones the pages used.
    const database: Database = await openDatabase({
      url: TEST_DATABASE_URL,
      schema: testDb.schema,
      poolSize: 1,
    });
    try {
      const repository = createWorkerRepository(database.db);
      for (let n = 0; n < 10; n += 1) {
        await repository.listWithCostInputs({}, 5, null, AUTO_STOP_WINDOW);
        await repository.list({}, 5, null);
      }
      const connection = database.connection;
      if (connection.kind !== "pg") {
        throw new Error("the statements are Postgres's");
      }
      const plans = await connection.pool.query<{ generic_plans: string; custom_plans: string }>(
        "select generic_plans, custom_plans from pg_prepared_statements where name like 'worker_page%' order by name",
      );
      // Postgres plans a prepared statement afresh for each execution until it finds a generic plan no dearer
      // than those (at most five tries); with the page's limit bound as a parameter it never did.
      expect(
        plans.rows.map((row) => ({
          replannedAtMostFiveTimes: Number(row.custom_plans) <= 5,
          genericPlanKept: Number(row.generic_plans) >= 5,
        })),
      ).toEqual([
        { replannedAtMostFiveTimes: true, genericPlanKept: true },
        { replannedAtMostFiveTimes: true, genericPlanKept: true },
      ]);
    } finally {
      await database.close();
    }
  });
});
