import { type Database, openDatabase } from "@cml-fleet/platform/db/database";
import { migrateDatabase } from "@cml-fleet/platform/db/migrate";
import { Redis } from "ioredis";

/** The run's own Postgres schema name for one scenario (a plain identifier, as openDatabase requires). */
export function schemaName(runId: string, label: string): string {
  return `bench_${label.replace(/[^a-z0-9]+/g, "_")}_${runId}`;
}

export interface BenchDatabase {
  readonly database: Database;
  readonly schema: string;
  /** Drops the schema and closes the pool; safe to call twice. */
  drop(): Promise<void>;
}

/** Schemas not dropped yet, so an interrupted run can still drop them (see `dropOpenDatabases`). */
const open = new Set<BenchDatabase>();

/** A migrated schema of its own on the shared Postgres, dropped by `drop()`. */
export async function createBenchDatabase(url: string, schema: string, poolSize = 8): Promise<BenchDatabase> {
  const database = await openDatabase({ url, schema, poolSize });
  let dropped: Promise<void> | null = null;
  const drop = () => {
    open.delete(handle);
    dropped ??= (async () => {
      try {
        if (database.connection.kind === "pg") {
          await database.connection.pool.query(`drop schema if exists "${schema}" cascade`);
        }
      } finally {
        await database.close();
      }
    })();
    return dropped;
  };
  const handle: BenchDatabase = { database, schema, drop };
  open.add(handle);
  try {
    await migrateDatabase(database);
  } catch (error) {
    await drop();
    throw error;
  }
  return handle;
}

/** Drops every schema still open (an interrupted run: the scenarios' own cleanups never ran). */
export async function dropOpenDatabases(): Promise<void> {
  await Promise.allSettled([...open].map((database) => database.drop()));
}

/** Deletes every key under `prefix` (bounded by the number of keys: SCAN ends when the cursor returns to 0). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) {
        deleted += await redis.del(...keys);
      }
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * Runs `work` with cleanups registered along the way, then runs them all in
 * reverse order whether `work` succeeded or threw.
 */
export async function withCleanup<T>(work: (defer: (cleanup: () => Promise<unknown>) => void) => Promise<T>) {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    return await work((cleanup) => cleanups.push(cleanup));
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error("[bench] cleanup failed:", error instanceof Error ? error.message : error);
      }
    }
  }
}
