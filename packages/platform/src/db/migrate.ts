import { fileURLToPath } from "node:url";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { Database } from "./database";

const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../drizzle", import.meta.url));

/**
 * Applies the committed migrations. Safe when several processes start at
 * once: on Postgres they queue on an advisory lock (per schema), and each
 * applies only what the one before it has not (the lock also covers creating
 * the schema, which races even with IF NOT EXISTS). Drizzle keeps its journal
 * in schema "drizzle" for the default schema, and inside the schema itself
 * otherwise, so isolated schemas never share a journal.
 */
export async function migrateDatabase(database: Database): Promise<void> {
  const config = {
    migrationsFolder: MIGRATIONS_FOLDER,
    migrationsSchema: database.schema === "public" ? "drizzle" : database.schema,
  };
  const { connection } = database;
  if (connection.kind === "pglite") {
    await migratePglite(drizzlePglite({ client: connection.client }), config);
    return;
  }
  const client = await connection.pool.connect();
  const lockKey = `cml-fleet:migrate:${database.schema}`;
  try {
    await client.query("select pg_advisory_lock(hashtext($1))", [lockKey]);
    await client.query(`create schema if not exists "${database.schema}"`);
    await migrateNodePg(drizzleNodePg({ client }), config);
    await client.query("select pg_advisory_unlock(hashtext($1))", [lockKey]);
    client.release();
  } catch (error) {
    // Discarding the connection ends its session, which releases the lock whatever state it is in.
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
