import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { type Database, DEFAULT_STATEMENT_TIMEOUT_MS, openDatabase } from "../../src/db/database";
import { TEST_DATABASE_URL } from "../../src/testing/test-database";

/**
 * Every pooled Postgres connection carries a statement_timeout, so a statement
 * stuck on a lock or a sick server fails instead of holding a job (and its
 * worker lock) or a request forever. PGlite is a single in-process session and
 * does not get one.
 */
describe("the Postgres pool's statement_timeout (real Postgres)", () => {
  const opened: Database[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((database) => database.close()));
  });
  const open = async (statementTimeoutMs?: number) => {
    const database = await openDatabase({ url: TEST_DATABASE_URL, poolSize: 1, statementTimeoutMs });
    opened.push(database);
    return database;
  };

  it("is 30 s unless told otherwise, as the server reports it", async () => {
    const database = await open();
    if (database.connection.kind !== "pg") {
      throw new Error("a URL opens a Postgres pool");
    }
    const result = await database.connection.pool.query("show statement_timeout");
    expect(DEFAULT_STATEMENT_TIMEOUT_MS).toBe(30_000);
    expect(result.rows[0]).toEqual({ statement_timeout: "30s" });
  });

  it("cancels a statement that runs past it, with Postgres's query_canceled code, and the pool stays usable", async () => {
    const database = await open(200);
    await expect(database.db.execute(sql`select pg_sleep(5)`)).rejects.toMatchObject({
      cause: expect.objectContaining({ code: "57014" }),
    });
    await expect(database.ping()).resolves.toBeUndefined();
  });
});
