import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import type { BenchContext } from "./types";

/**
 * How the runner points a child that runs fleet code (API, job process) at the
 * run's own Postgres schema and Redis key prefix: its settings travel as one
 * JSON environment, so the child reads them exactly as production would read
 * its environment, and nothing of the runner's own environment leaks in.
 */
const SCHEMA_VARIABLE = "BENCH_SCHEMA";
const SETTINGS_VARIABLE = "BENCH_SETTINGS_ENV";

export interface FleetChildTarget {
  readonly schema: string;
  readonly redisPrefix: string;
}

/** The runner's side: `settings` (as environment variables) on top of the run's database, Redis and quiet logs. */
export function fleetChildEnv(
  ctx: BenchContext,
  target: FleetChildTarget,
  settings: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    [SCHEMA_VARIABLE]: target.schema,
    [SETTINGS_VARIABLE]: JSON.stringify({
      DATABASE_URL: ctx.databaseUrl,
      REDIS_URL: ctx.redisUrl,
      REDIS_KEY_PREFIX: target.redisPrefix,
      LOG_LEVEL: "error",
      // A benchmark drives the API from one credential at full speed: the per-client rate limit would measure itself.
      RATE_LIMIT_PER_MINUTE: "0",
      ...settings,
    }),
  };
}

/** The child's side: the settings and the database schema the runner sent. */
export function fleetChildSettings(): { settings: Settings; databaseSchema: string | undefined } {
  const env = JSON.parse(process.env[SETTINGS_VARIABLE] ?? "{}") as Record<string, string>;
  return { settings: loadSettings(env), databaseSchema: process.env[SCHEMA_VARIABLE] };
}
