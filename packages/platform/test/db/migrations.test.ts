import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { aWorker } from "../../../api/test/support/worker-factory";
import { openDatabase } from "../../src/db/database";
import { migrateDatabase } from "../../src/db/migrate";
import { createWorkerRepository } from "../../src/repositories/worker.repository";
import { TEST_DATABASE_URL } from "../../src/testing/test-database";
import { useTestDatabase } from "../support/use-test-database";

const MIGRATION_COUNT = (
  JSON.parse(readFileSync(new URL("../../drizzle/meta/_journal.json", import.meta.url), "utf8")) as {
    entries: unknown[];
  }
).entries.length;

const testDb = useTestDatabase("migrations");

async function query(text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  if (testDb.database.connection.kind !== "pg") {
    throw new Error("this test needs Postgres");
  }
  return (await testDb.database.connection.pool.query(text, values)).rows;
}

async function tablesIn(schema: string): Promise<unknown[]> {
  const rows = await query(
    "select table_name from information_schema.tables where table_schema = $1 order by table_name",
    [schema],
  );
  return rows.map((row) => row.table_name);
}

describe("migrations", () => {
  it("create every table, and the journal, inside the isolated schema", async () => {
    expect(await tablesIn(testDb.schema)).toEqual([
      "__drizzle_migrations",
      "api_tokens",
      "audit_log",
      "fleet_events",
      "notification_channels",
      "notification_deliveries",
      "notification_relay_cursor",
      "schedules",
      "snapshots",
      "telemetry_samples",
      "worker_count",
      "worker_labs",
      "worker_operations",
      "workers",
    ]);
  });

  it("apply once when several processes start at the same time", async () => {
    const schema = `${testDb.schema}_fresh`;
    const handles = await Promise.all(
      [1, 2, 3].map(() => openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 2 })),
    );
    try {
      await Promise.all(handles.map((handle) => migrateDatabase(handle)));
      await Promise.all(handles.map((handle) => migrateDatabase(handle)));
      expect(await tablesIn(schema)).toContain("workers");
      const journal = await query(`select hash from "${schema}".__drizzle_migrations`);
      // One row per migration file: none applied twice by the racing processes.
      expect(journal).toHaveLength(MIGRATION_COUNT);
      const [handle] = handles;
      const worker = aWorker();
      await createWorkerRepository(handle?.db ?? testDb.db).insert(worker, []);
      expect(await query(`select id from "${schema}".workers`)).toEqual([{ id: worker.id }]);
    } finally {
      await Promise.all(handles.map((handle) => handle.close()));
      await query(`drop schema if exists "${schema}" cascade`);
    }
  });

  it("refuse a schema name that is not a plain identifier", async () => {
    await expect(
      openDatabase({ url: TEST_DATABASE_URL, schema: 'x"; drop table workers; --' }),
    ).rejects.toThrow(/not a plain Postgres name/);
  });

  it("answer a ping while the database is up", async () => {
    await expect(testDb.database.ping()).resolves.toBeUndefined();
  });
});
