import { UpstreamUnavailableError } from "@cml-fleet/core/errors";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import { isDatabaseUnavailable } from "../repositories/database-errors";
import { type Database, openDatabase } from "./database";
import { migrateDatabase } from "./migrate";

/** Opens the configured database (Postgres, or embedded PGlite) and brings its schema up to date. */
export async function openMigratedDatabase(
  settings: Settings,
  logger: Logger,
  schema: string | undefined,
): Promise<Database> {
  const database = await openDatabase({
    url: settings.database.url ?? undefined,
    dataDir: settings.database.dataDir,
    schema,
    onPoolError: (error) => logger.warn({ err: error }, "database pool error"),
  });
  try {
    await migrateDatabase(database);
  } catch (error) {
    await database.close().catch(() => undefined);
    const url = settings.database.url;
    if (url !== null && isDatabaseUnavailable(error)) {
      throw new UpstreamUnavailableError(
        "database",
        `cannot reach Postgres at ${whereIs(url)} (${error instanceof Error ? error.message : String(error)}); start it, or fix DATABASE_URL`,
        { cause: error },
      );
    }
    throw error;
  }
  return database;
}

/** host:port/database of a Postgres URL: where it is, without the user or password. */
function whereIs(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port === "" ? "5432" : parsed.port}${parsed.pathname}`;
  } catch {
    return "the DATABASE_URL";
  }
}

/** Whether a start-up failed because the configured Postgres could not be reached (its message says where and what to do). */
export function isDatabaseUnreachable(error: unknown): error is UpstreamUnavailableError {
  return error instanceof UpstreamUnavailableError && error.upstream === "database";
}
