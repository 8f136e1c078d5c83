import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

/** One flag a command accepts, with the words --help shows for it. */
export interface CommandOption {
  readonly type: "boolean" | "string";
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's placeholder in the help, e.g. "<url>" (string options). */
  readonly value?: string;
  readonly description: string;
}

/** An environment variable the command reads, as --help lists it. */
export interface EnvironmentHelp {
  readonly name: string;
  readonly description: string;
}

export interface CommandSpec<O extends Readonly<Record<string, CommandOption>>> {
  /** How a user types it: "pnpm start", "pnpm bench". */
  readonly command: string;
  /** What follows the command in the usage line, e.g. "[--demo] [--verbose]" or "<trace.json>". */
  readonly synopsis: string;
  /** What the command does, a few lines. */
  readonly summary: string;
  /** Every flag but -h/--help, which every command has. */
  readonly options: O;
  /** Whether it takes arguments that are not flags (checked by the command itself). */
  readonly positionals?: boolean;
  readonly environment?: readonly EnvironmentHelp[];
  /** Text after the lists: examples, exit statuses. */
  readonly footer?: string;
}

type OptionValue<T extends CommandOption> = T["type"] extends "boolean"
  ? boolean | undefined
  : T["multiple"] extends true
    ? string[] | undefined
    : string | undefined;

export type CommandValues<O extends Readonly<Record<string, CommandOption>>> = {
  readonly [K in keyof O]: OptionValue<O[K]>;
};

export type CommandLine<O extends Readonly<Record<string, CommandOption>>> =
  | { readonly kind: "run"; readonly values: CommandValues<O>; readonly positionals: readonly string[] }
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "error"; readonly message: string };

const HELP: CommandOption = { type: "boolean", short: "h", description: "show this help" };

function parseConfig(options: Readonly<Record<string, CommandOption>>): ParseArgsOptionsConfig {
  return Object.fromEntries(
    Object.entries({ ...options, help: HELP }).map(([name, option]) => [
      name,
      {
        type: option.type,
        ...(option.short === undefined ? {} : { short: option.short }),
        ...(option.multiple === undefined ? {} : { multiple: option.multiple }),
      },
    ]),
  );
}

function columns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join("\n");
}

/** The text of --help: usage, what it does, its flags and the environment it reads. */
export function helpText<O extends Readonly<Record<string, CommandOption>>>(spec: CommandSpec<O>): string {
  const flags = Object.entries({ ...spec.options, help: HELP }).map(([name, option]): [string, string] => {
    const short = option.short === undefined ? "" : `-${option.short}, `;
    const value = option.type === "string" ? ` ${option.value ?? "<value>"}` : "";
    return [`${short}--${name}${value}`, option.description];
  });
  const parts = [
    `Usage: ${spec.command}${spec.synopsis === "" ? "" : ` ${spec.synopsis}`}`,
    spec.summary,
    `Options:\n${columns(flags)}`,
  ];
  const environment = spec.environment ?? [];
  if (environment.length > 0) {
    parts.push(
      `Environment:\n${columns(environment.map((entry): [string, string] => [entry.name, entry.description]))}`,
    );
  }
  if (spec.footer !== undefined) {
    parts.push(spec.footer);
  }
  return parts.join("\n\n");
}

/**
 * Reads a command line: --help, an unknown flag ("unknown option --x; see
 * --help"), a flag without its value, or the values. A bare "--" (what
 * `pnpm <script> -- --flag` passes on) is dropped.
 */
export function parseCommandLine<O extends Readonly<Record<string, CommandOption>>>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): CommandLine<O> {
  const args = argv.filter((arg) => arg !== "--");
  const options = parseConfig(spec.options);
  // First loosely, to name the flag nobody knows in our own words.
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === "option" && !Object.hasOwn(options, token.name)) {
      return { kind: "error", message: `unknown option ${token.rawName}; see --help` };
    }
    if (token.kind === "positional" && spec.positionals !== true) {
      return { kind: "error", message: `unexpected argument ${token.value}; see --help` };
    }
  }
  let parsed: ReturnType<typeof parseArgs<{ options: ParseArgsOptionsConfig; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { kind: "error", message: `${text}; see --help` };
  }
  if (parsed.values.help === true) {
    return { kind: "help", text: helpText(spec) };
  }
  const { help: _help, ...values } = parsed.values;
  return { kind: "run", values: values as CommandValues<O>, positionals: parsed.positionals };
}

/**
 * For a command's entry point: --help prints the help and exits 0; a bad
 * command line prints "<command>: <problem>" on stderr and exits 2.
 */
export function commandLineOrExit<O extends Readonly<Record<string, CommandOption>>>(
  spec: CommandSpec<O>,
  argv: readonly string[] = process.argv.slice(2),
): { readonly values: CommandValues<O>; readonly positionals: readonly string[] } {
  const line = parseCommandLine(spec, argv);
  if (line.kind === "help") {
    process.stdout.write(`${line.text}\n`);
    process.exit(0);
  }
  if (line.kind === "error") {
    process.stderr.write(`${spec.command}: ${line.message}\n`);
    process.exit(2);
  }
  return line;
}
