import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ValidationError } from "@cml-fleet/core/errors";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { Logger as DrizzleLogger } from "drizzle-orm/logger";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";

/** The drizzle handle every repository uses, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT>;

export type Connection =
  | { readonly kind: "pg"; readonly pool: pg.Pool }
  | { readonly kind: "pglite"; readonly client: PGlite };

export interface DatabaseOptions {
  /** A Postgres URL; without it the embedded PGlite is used. */
  readonly url?: string | undefined;
  /**
   * The fleet's data directory (CML_FLEET_DATA_DIR); PGlite keeps its files in
   * `<dataDir>/pglite`. Without it (and without a URL) PGlite runs in memory.
   */
  readonly dataDir?: string | undefined;
  /**
   * Postgres schema holding the tables, set as the search_path of every
   * connection; `migrateDatabase` creates it. Tests give each file its own.
   */
  readonly schema?: string | undefined;
  /** Called with every statement drizzle sends (tests count them). */
  readonly onQuery?: ((query: string, params: unknown[]) => void) | undefined;
  /** Called when an idle pooled connection fails; the pool drops it and reconnects on demand. */
  readonly onPoolError?: ((error: Error) => void) | undefined;
  readonly poolSize?: number | undefined;
  /** How long a new Postgres connection may take before the query fails (default 5 s). */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * Postgres `statement_timeout` of every pooled connection (default 30 s):
   * a statement stuck on a lock or a sick server fails instead of holding a
   * job (and its worker lock) or a request forever. PGlite, a single
   * in-process session, has no concurrent lock holders to wait on: not set there.
   */
  readonly statementTimeoutMs?: number | undefined;
}

/** Far above any statement the fleet sends (single-row writes, paged reads), far below "forever". */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

export interface Database {
  readonly db: Db;
  readonly connection: Connection;
  readonly schema: string;
  /** Resolves when the database answers a trivial query (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const schema = options.schema ?? "public";
  if (!SCHEMA_NAME.test(schema)) {
    // The name is spliced into a connection option and DDL, so only plain identifiers pass.
    throw new ValidationError(
      "schema",
      `"${schema}" is not a plain Postgres name: use lower-case letters, digits and _`,
    );
  }
  const onQuery = options.onQuery;
  const logger: DrizzleLogger | false = onQuery === undefined ? false : { logQuery: onQuery };
  const connection =
    options.url === undefined ? await openPglite(options.dataDir, schema) : openPool(options, schema);
  const db: Db =
    connection.kind === "pg"
      ? drizzleNodePg({ client: connection.pool, casing: "snake_case", logger })
      : drizzlePglite({ client: connection.client, casing: "snake_case", logger });
  return {
    db,
    connection,
    schema,
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      if (connection.kind === "pg") {
        await connection.pool.end();
      } else if (!connection.client.closed) {
        await connection.client.close();
      }
    },
  };
}

function openPool(options: DatabaseOptions, schema: string): Connection {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // Without it a connect to an unreachable server waits forever, and so would /readyz.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    // The default schema leaves the server's (or the URL's) search_path alone.
    ...(schema === "public" ? {} : { options: `-c search_path=${schema}` }),
  });
  pool.on("error", options.onPoolError ?? (() => undefined));
  return { kind: "pg", pool };
}

async function openPglite(dataDir: string | undefined, schema: string): Promise<Connection> {
  let directory: string | undefined;
  if (dataDir !== undefined) {
    directory = join(dataDir, "pglite");
    // PGlite creates only the last path segment itself.
    await mkdir(directory, { recursive: true });
  }
  const client = await PGlite.create(directory);
  if (schema !== "public") {
    // PGlite is a single session, so setting search_path once covers every later statement.
    await client.exec(`create schema if not exists "${schema}"; set search_path to "${schema}"`);
  }
  return { kind: "pglite", client };
}
