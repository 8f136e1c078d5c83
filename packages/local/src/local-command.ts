import type { CommandSpec } from "@cml-fleet/cli-args/command-line";
import { FLEET_HELP_FOOTER, fleetSettingsHelp } from "@cml-fleet/core/settings/settings-help";

const options = {
  demo: { type: "boolean", description: "seed a few demo workers once the API is up" },
  verbose: { type: "boolean", description: "log to the terminal instead of <data dir>/cml-fleet.log" },
} as const;

/** `pnpm start`: its flags and the settings it reads first, as --help shows them. */
export const LOCAL_COMMAND: CommandSpec<typeof options> = {
  command: "pnpm start",
  synopsis: "[--demo] [--verbose]",
  summary: `The whole of cml-fleet in one process on embedded defaults: the GraphQL API, the job workers,
the simulated cloud (CLOUD_PROVIDER=sim without SIM_URL), embedded Postgres (PGlite, without
DATABASE_URL) and Redis at REDIS_URL (a private redis-server when none answers).`,
  options,
  environment: fleetSettingsHelp([
    "PORT",
    "CML_FLEET_DATA_DIR",
    "BOOTSTRAP_ADMIN_TOKEN",
    "SIM_URL",
    "SIM_PORT",
  ]),
  footer: FLEET_HELP_FOOTER,
};
