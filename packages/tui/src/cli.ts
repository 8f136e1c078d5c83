import { type CommandSpec, parseCommandLine } from "@cml-fleet/cli-args/command-line";

export const DEFAULT_URL = "http://127.0.0.1:4000/graphql";

export interface CliOptions {
  readonly url: string;
  readonly token: string | null;
  readonly readonly: boolean;
}

export type CliParse =
  | { readonly kind: "run"; readonly options: CliOptions }
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "error"; readonly message: string };

const options = {
  url: { type: "string", value: "<graphql url>", description: `GraphQL endpoint (default ${DEFAULT_URL})` },
  token: { type: "string", value: "<token>", description: "API token (default: CML_FLEET_TOKEN)" },
  readonly: { type: "boolean", description: "hide every action: a monitor only" },
} as const;

/** The monitor's command line, as --help shows it. */
export const MONITOR_COMMAND: CommandSpec<typeof options> = {
  command: "cml-fleet-tui",
  synopsis: "[--url <graphql url>] [--token <token>] [--readonly]",
  summary: "The fleet monitor in the terminal: workers, their status, cost and idle time, live.",
  options,
  environment: [{ name: "CML_FLEET_TOKEN", description: "API token when --token is not given." }],
  footer: "Exit status: 0 quit; 1 crashed; 2 bad arguments.",
};

/** Parses the command line; `envToken` is CML_FLEET_TOKEN, passed in by the entry point. */
export function parseCli(argv: readonly string[], envToken: string | undefined): CliParse {
  const line = parseCommandLine(MONITOR_COMMAND, argv);
  if (line.kind === "help") {
    return line;
  }
  if (line.kind === "error") {
    return { kind: "error", message: `${MONITOR_COMMAND.command}: ${line.message}` };
  }
  const { values } = line;
  const url = values.url ?? DEFAULT_URL;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      return { kind: "error", message: `--url must be an http(s) URL, got ${url}` };
    }
  } catch {
    return { kind: "error", message: `--url is not a URL: ${url}` };
  }
  const token = values.token ?? (envToken && envToken !== "" ? envToken : null);
  return { kind: "run", options: { url, token, readonly: values.readonly ?? false } };
}
