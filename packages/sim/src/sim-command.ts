import type { CommandSpec } from "@cml-fleet/cli-args/command-line";

const options = {} as const;

/** The standalone simulator: no flags but --help; everything else is the environment below. */
export const SIM_COMMAND: CommandSpec<typeof options> = {
  command: "pnpm --filter @cml-fleet/sim start",
  synopsis: "",
  summary: `The simulated cloud as a process of its own: EC2, CloudWatch, STS and Price List over
HTTP (what the real AWS SDK calls), a control API under /_sim, and each simulated worker's
CML REST API on its own loopback address.`,
  options,
  environment: [
    {
      name: "SIM_HOST",
      description:
        "Address to listen on. Default: 127.0.0.1 (0.0.0.0 to be reached from other hosts or containers).",
    },
    { name: "SIM_PORT", description: "Port of the EC2/CloudWatch/control API. Default: 4566." },
    { name: "SIM_CML_PORT", description: "Port of each simulated worker's CML API. Default: 8443." },
    {
      name: "SIM_IP_BLOCK",
      description: "Second octet of the workers' loopback addresses (127.<n>.x.y). Default: 1.",
    },
    { name: "SIM_BOOT_DELAY", description: "pending -> running. Default: 90s." },
    { name: "SIM_STOP_DELAY", description: "stopping -> stopped. Default: 60s." },
    { name: "SIM_TERMINATE_DELAY", description: "shutting-down -> terminated. Default: SIM_STOP_DELAY." },
    { name: "SIM_CML_READY_DELAY", description: "running -> CML API ready. Default: 60s." },
    { name: "SIM_STATUS_CHECK_DELAY", description: "running -> status checks ok. Default: 30s." },
    { name: "SIM_LICENSE_REGISTRATION_DELAY", description: "A license registration's time. Default: 5s." },
    { name: "SIM_SNAPSHOT_DELAY", description: "pending -> completed for an EBS snapshot. Default: 10s." },
    {
      name: "SIM_TERMINATED_RETENTION",
      description: "How long terminated instances stay listed. Default: 1h.",
    },
    {
      name: "SIM_CML_USERNAME, SIM_CML_PASSWORD",
      description: "The CML account every simulated worker accepts. Default: CML_USERNAME, CML_PASSWORD.",
    },
    { name: "SIM_CML_TOKEN_TTL", description: "Lifetime of a CML session token. Default: 8h." },
    {
      name: "SIM_STATE_PATH",
      description: "A JSON file the state is kept in across restarts. Default: none.",
    },
  ],
  footer: `Durations read as 500ms, 2s, 90s, 5m, 1h.

Exit status: 0 stopped on a signal; 1 bad settings or the port is taken; 2 bad arguments.`,
};
