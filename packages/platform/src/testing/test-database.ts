import { randomBytes } from "node:crypto";
import { type Database, type Db, openDatabase } from "../db/database";
import { migrateDatabase } from "../db/migrate";

/** The Postgres every integration test uses (trust auth on the project's machines and CI). */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  readonly database: Database;
  readonly db: Db;
  /** The schema of this test file; gone after `cleanup`. */
  readonly schema: string;
  /** Runs `work` and returns the SQL statements drizzle sent meanwhile. */
  recordStatements(work: () => Promise<unknown>): Promise<string[]>;
  /** Drops the schema and closes the pool. */
  cleanup(): Promise<void>;
}

/**
 * A migrated Postgres schema of its own for one test file, so files run in
 * parallel without seeing each other's rows:
 *
 *   let testDb: TestDatabase;
 *   beforeAll(async () => { testDb = await createTestDatabase("workers"); });
 *   afterAll(() => testDb.cleanup());
 */
export async function createTestDatabase(label = "test"): Promise<TestDatabase> {
  const schema = `t_${label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, 30)}_${randomBytes(5).toString("hex")}`;
  let recorder: string[] | null = null;
  const database = await openDatabase({
    url: TEST_DATABASE_URL,
    schema,
    poolSize: 4,
    onQuery: (query) => {
      recorder?.push(query);
    },
  });
  try {
    await migrateDatabase(database);
  } catch (error) {
    await dropAndClose(database, schema);
    throw error;
  }
  return {
    database,
    db: database.db,
    schema,
    async recordStatements(work) {
      const statements: string[] = [];
      recorder = statements;
      try {
        await work();
      } finally {
        recorder = null;
      }
      return statements;
    },
    cleanup: () => dropAndClose(database, schema),
  };
}

async function dropAndClose(database: Database, schema: string): Promise<void> {
  try {
    if (database.connection.kind === "pg") {
      await database.connection.pool.query(`drop schema if exists "${schema}" cascade`);
    }
  } finally {
    await database.close();
  }
}
