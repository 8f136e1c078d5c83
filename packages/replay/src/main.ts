import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { SettingsError } from "@cml-fleet/core/settings/settings-error";
import { replayTrace } from "./replay";
import { replaySettingsFrom } from "./replay-settings";
import { parseTraceText, TraceError } from "./trace";

const USAGE = `Usage: pnpm replay <trace.json>

Replays a usage trace on a simulated clock through the fleet's own telemetry
sweep, idle policy, schedules and warning -> re-check -> stop logic, with the settings in
effect (environment and CML_FLEET_CONFIG, as the job process reads them), and
prints one JSON report on stdout. The trace format and the report are in
shared/contract/README.md ("Cost replay"); see packages/replay/README.md.

  CML_WORKER_IDLE_THRESHOLD=45m pnpm replay bench/traces/forgotten-workers.json
  pnpm -s replay bench/traces/week-of-classes.json | jq .savedFraction   (-s: pnpm prints no banner)

Options:
  -h, --help   show this help

Exit status: 0 report printed; 2 bad arguments, trace or settings; 1 the replay failed.`;

/** Far above a year of a large fleet's trace; a bigger file is refused before it is read. */
const MAX_TRACE_BYTES = 64 * 1024 * 1024;

/** Where pnpm was asked from: `pnpm replay x.json` runs in the package's directory. */
function callerPath(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

function refuse(message: string): never {
  process.stderr.write(`replay: ${message}\n`);
  process.exit(2);
}

function parseArguments(args: string[]): { values: { help?: boolean | undefined }; positionals: string[] } {
  try {
    return parseArgs({
      args,
      options: { help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return refuse(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  const parsed = parseArguments(process.argv.slice(2).filter((arg) => arg !== "--"));
  if (parsed.values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (parsed.positionals.length !== 1) {
    refuse(`expected exactly one trace file, got ${parsed.positionals.length}\n\n${USAGE}`);
  }
  const path = callerPath(parsed.positionals[0] ?? "");
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_TRACE_BYTES) {
      refuse(`${path} is ${size} bytes; a trace may be at most ${MAX_TRACE_BYTES} bytes`);
    }
    text = readFileSync(path, "utf8");
  } catch (error) {
    refuse(`cannot read ${path} (${error instanceof Error ? error.message : String(error)})`);
  }
  let settings: ReturnType<typeof replaySettingsFrom>;
  try {
    settings = replaySettingsFrom(loadSettings(process.env));
  } catch (error) {
    if (error instanceof SettingsError) {
      refuse(`bad settings:\n${error.message}`);
    }
    throw error;
  }
  try {
    const trace = parseTraceText(text);
    const report = await replayTrace(trace, settings);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    if (error instanceof TraceError) {
      refuse(`bad trace ${path}: ${error.message}`);
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `replay failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
