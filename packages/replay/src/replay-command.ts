import type { CommandSpec } from "@cml-fleet/cli-args/command-line";

const options = {} as const;

/** `pnpm replay`: one trace file, no flags but --help. */
export const REPLAY_COMMAND: CommandSpec<typeof options> = {
  command: "pnpm replay",
  synopsis: "<trace.json>",
  summary: `Replays a usage trace on a simulated clock through the fleet's own telemetry
sweep, idle policy, schedules and warning -> re-check -> stop logic, with the settings in
effect (environment and CML_FLEET_CONFIG, as the job process reads them), and
prints one JSON report on stdout. The trace format and the report are in
shared/contract/README.md ("Cost replay"); see packages/replay/README.md.

  CML_WORKER_IDLE_THRESHOLD=45m pnpm replay bench/traces/forgotten-workers.json
  pnpm -s replay bench/traces/week-of-classes.json | jq .savedFraction   (-s: pnpm prints no banner)`,
  options,
  positionals: true,
  environment: [
    {
      name: "CML_FLEET_CONFIG",
      description: "A YAML or JSON file of settings, as the job process reads it.",
    },
    {
      name: "CML_WORKER_IDLE_*",
      description: "The idle policy replayed (threshold, warning, snooze, minimum uptime, CPU veto ...).",
    },
  ],
  footer: "Exit status: 0 report printed; 2 bad arguments, trace or settings; 1 the replay failed.",
};
