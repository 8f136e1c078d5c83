import type { CommandSpec } from "@cml-fleet/cli-args/command-line";

const options = {
  quick: { type: "boolean", description: "smaller sizes and shorter windows (a couple of minutes)" },
  only: {
    type: "string",
    multiple: true,
    value: "<names>",
    description: "run only these scenarios (comma-separated or repeated)",
  },
  "cpu-prof": {
    type: "string",
    value: "<dir>",
    description:
      "run every child (simulator, job processes, API, monitor) with node --cpu-prof, writing its profile under <dir>, and summarize them in <dir>/SUMMARY.md (profiling slows the children: the figures of such a run are not comparable)",
  },
} as const;

/** `pnpm bench`: its flags and environment, as --help shows them. */
export function benchCommand(scenarios: readonly string[]): CommandSpec<typeof options> {
  return {
    command: "pnpm bench",
    synopsis: "[--quick] [--only <names>] [--cpu-prof <dir>]",
    summary: `The benchmarks: each scenario in its own Postgres schema and Redis prefix with its own
simulator; prints a table and rewrites bench/RESULTS.md. Scenarios: ${scenarios.join(", ")}.`,
    options,
    environment: [
      {
        name: "BENCH_DATABASE_URL",
        description: "Postgres to use. Default: postgres://postgres@127.0.0.1:5432/postgres.",
      },
      { name: "BENCH_REDIS_URL", description: "Redis to use. Default: redis://127.0.0.1:6379." },
    ],
    footer:
      "Exit status: 0 measured (a missed target is marked in the results); 1 a service is out of reach; 2 bad arguments.",
  };
}
