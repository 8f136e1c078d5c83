import type { CommandSpec } from "@cml-fleet/cli-args/command-line";
import { FLEET_HELP_FOOTER, fleetSettingsHelp } from "@cml-fleet/core/settings/settings-help";

const options = {} as const;

/** The API process on its own: no flags but --help, and the settings it reads first. */
export const API_COMMAND: CommandSpec<typeof options> = {
  command: "pnpm --filter @cml-fleet/api start",
  synopsis: "",
  summary: `The GraphQL API as a process of its own (GraphQL at /graphql, /healthz, /readyz, /metrics);
the job workers run elsewhere (pnpm --filter @cml-fleet/jobs start). Any number may run against one
Postgres and Redis.`,
  options,
  environment: fleetSettingsHelp([
    "PORT",
    "METRICS_PORT",
    "METRICS_TOKEN",
    "BOOTSTRAP_ADMIN_TOKEN",
    "OIDC_ISSUER",
    "CORS_ORIGINS",
  ]),
  footer: FLEET_HELP_FOOTER,
};
