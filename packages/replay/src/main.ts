import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { commandLineOrExit, helpText } from "@cml-fleet/cli-args/command-line";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { SettingsError } from "@cml-fleet/core/settings/settings-error";
import { replayTrace } from "./replay";
import { REPLAY_COMMAND } from "./replay-command";
import { replaySettingsFrom } from "./replay-settings";
import { parseTraceText, TraceError } from "./trace";

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

async function main(): Promise<void> {
  const parsed = commandLineOrExit(REPLAY_COMMAND);
  if (parsed.positionals.length !== 1) {
    refuse(
      `expected exactly one trace file, got ${parsed.positionals.length}\n\n${helpText(REPLAY_COMMAND)}`,
    );
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
