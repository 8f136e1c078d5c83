import { parseArgs } from "node:util";

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

export const USAGE = `Usage: cml-fleet-tui [--url <graphql url>] [--token <token>] [--readonly]

  --url       GraphQL endpoint (default ${DEFAULT_URL})
  --token     API token (default: the CML_FLEET_TOKEN environment variable)
  --readonly  hide every action: a monitor only
  -h, --help  show this help`;

/** Parses the command line; `envToken` is CML_FLEET_TOKEN, passed in by the entry point. */
export function parseCli(argv: readonly string[], envToken: string | undefined): CliParse {
  let values: { url?: string; token?: string; readonly?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        url: { type: "string" },
        token: { type: "string" },
        readonly: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return {
      kind: "error",
      message: `${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`,
    };
  }
  if (values.help) {
    return { kind: "help", text: USAGE };
  }
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
