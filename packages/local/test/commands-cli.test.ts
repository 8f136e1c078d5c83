import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const PACKAGES = fileURLToPath(new URL("../..", import.meta.url));

interface Command {
  /** How the help and the refusal name it. */
  readonly command: string;
  readonly cwd: string;
  /** The entry point, relative to cwd, as its package script runs it. */
  readonly entry: readonly string[];
  /** Lines its --help must hold besides the usage and -h, --help. */
  readonly mentions: readonly string[];
  /** A command line with an unknown flag (--bogus), known flags beside it for a command that has some. */
  readonly refused?: readonly string[];
}

const tsx = (file: string) => ["--import", "tsx", file];

const COMMANDS: readonly Command[] = [
  {
    command: "pnpm start",
    cwd: "local",
    entry: tsx("src/main.ts"),
    mentions: ["--demo", "--verbose", "DATABASE_URL", "REDIS_URL", "CML_FLEET_CONFIG", "PORT"],
    // The -- that `pnpm start -- --demo` passes on is dropped; a flag beside a known one is still refused.
    refused: ["--", "--demo", "--bogus"],
  },
  {
    command: "pnpm --filter @cml-fleet/api start",
    cwd: "api",
    entry: tsx("src/main.ts"),
    mentions: ["DATABASE_URL", "REDIS_URL", "BOOTSTRAP_ADMIN_TOKEN", "METRICS_TOKEN"],
  },
  {
    command: "pnpm --filter @cml-fleet/jobs start",
    cwd: "jobs",
    entry: tsx("src/main.ts"),
    mentions: ["DATABASE_URL", "REDIS_URL", "JOBS_METRICS_PORT", "CML_PASSWORD"],
  },
  {
    command: "pnpm --filter @cml-fleet/sim start",
    cwd: "sim",
    entry: tsx("src/main.ts"),
    mentions: ["SIM_PORT", "SIM_BOOT_DELAY", "SIM_CML_READY_DELAY"],
  },
  {
    command: "pnpm bench",
    cwd: "bench",
    entry: tsx("src/run.ts"),
    mentions: ["--quick", "--only <names>", "BENCH_DATABASE_URL", "sweep"],
  },
  {
    command: "cml-fleet-tui",
    cwd: "tui",
    entry: ["bin/cml-fleet-tui.js"],
    mentions: ["--url <graphql url>", "--readonly", "CML_FLEET_TOKEN"],
  },
  {
    command: "pnpm replay",
    cwd: "replay",
    entry: tsx("src/main.ts"),
    mentions: ["<trace.json>", "CML_FLEET_CONFIG"],
  },
];

/** The command as its package script starts it, with nothing of this process's environment but PATH. */
async function spawnCommand(command: Command, args: readonly string[]) {
  const result = await run(process.execPath, [...command.entry, ...args], {
    cwd: `${PACKAGES}${command.cwd}`,
    env: { PATH: process.env.PATH ?? "" },
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number | string; stdout?: string; stderr?: string }) => ({
      code: error.code,
      stdout: error.stdout ?? "",
      stderr: error.stderr ?? "",
    }),
  );
  return result;
}

describe.each(COMMANDS)("$command", (command) => {
  it("answers --help with its usage, its flags and the settings it reads, exit 0", async () => {
    const { code, stdout, stderr } = await spawnCommand(command, ["--help"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.startsWith(`Usage: ${command.command}`)).toBe(true);
    for (const mention of ["-h, --help", "Exit status", ...command.mentions]) {
      expect(stdout).toContain(mention);
    }
  }, 60_000);

  it("refuses an unknown flag with exit 2 before starting anything", async () => {
    const { code, stdout, stderr } = await spawnCommand(command, command.refused ?? ["--bogus"]);
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: `${command.command}: unknown option --bogus; see --help\n`,
    });
  }, 60_000);
});
