import { openDatabase } from "../db/database";
import { migrateDatabase } from "../db/migrate";

// Composition root of `pnpm --filter @cml-fleet/platform migrate`: the only place here that reads the environment.
const database = await openDatabase({
  url: process.env.DATABASE_URL || undefined,
  dataDir: process.env.CML_FLEET_DATA_DIR || "./.data",
});
try {
  await migrateDatabase(database);
  console.log(`migrations applied (${database.connection.kind}, schema ${database.schema})`);
} finally {
  await database.close();
}
