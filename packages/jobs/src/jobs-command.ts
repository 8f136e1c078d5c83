import type { CommandSpec } from "@cml-fleet/cli-args/command-line";
import { FLEET_HELP_FOOTER, fleetSettingsHelp } from "@cml-fleet/core/settings/settings-help";

const options = {} as const;

/** The job process on its own: no flags but --help, and the settings it reads first. */
export const JOBS_COMMAND: CommandSpec<typeof options> = {
  command: "pnpm --filter @cml-fleet/jobs start",
  synopsis: "",
  summary: `The job workers as a process of their own: provisioning, start, stop, terminate, the sweeps
and schedules. Any number may serve one Postgres and Redis; they are the only processes that call
EC2, CloudWatch and CML.`,
  options,
  environment: fleetSettingsHelp([
    "JOBS_METRICS_PORT",
    "AWS_ALLOWED_REGIONS",
    "SIM_URL",
    "CML_USERNAME",
    "CML_PASSWORD",
    "CML_LICENSE_TOKEN",
  ]),
  footer: FLEET_HELP_FOOTER,
};
