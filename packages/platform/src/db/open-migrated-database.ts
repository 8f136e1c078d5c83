import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
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
  await migrateDatabase(database);
  return database;
}
