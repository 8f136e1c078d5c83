import { describe, expect, it } from "vitest";
import { type CommandSpec, helpText, parseCommandLine } from "./command-line";

const options = {
  demo: { type: "boolean", description: "seed a few workers" },
  url: { type: "string", value: "<url>", description: "where to connect" },
  only: { type: "string", multiple: true, value: "<name>", description: "run only these" },
} as const;

const spec: CommandSpec<typeof options> = {
  command: "pnpm example",
  synopsis: "[--demo] [--url <url>]",
  summary: "Does an example.",
  options,
  environment: [{ name: "REDIS_URL", description: "where Redis is" }],
  footer: "Exit status: 0 done; 2 bad arguments.",
};

describe("parseCommandLine", () => {
  it("reads known flags, and no flags at all", () => {
    expect(parseCommandLine(spec, [])).toEqual({ kind: "run", values: {}, positionals: [] });
    expect(parseCommandLine(spec, ["--demo", "--url", "http://x", "--only", "a", "--only", "b"])).toEqual({
      kind: "run",
      values: { demo: true, url: "http://x", only: ["a", "b"] },
      positionals: [],
    });
  });

  it("drops the bare -- that pnpm passes on", () => {
    expect(parseCommandLine(spec, ["--", "--demo"])).toMatchObject({ kind: "run", values: { demo: true } });
  });

  it("refuses an unknown flag by its name, long or short, even beside --help", () => {
    expect(parseCommandLine(spec, ["--demo", "--bogus"])).toEqual({
      kind: "error",
      message: "unknown option --bogus; see --help",
    });
    expect(parseCommandLine(spec, ["-x"])).toEqual({
      kind: "error",
      message: "unknown option -x; see --help",
    });
    expect(parseCommandLine(spec, ["--help", "--bogus=1"])).toMatchObject({
      kind: "error",
      message: "unknown option --bogus; see --help",
    });
  });

  it("refuses an argument the command does not take, and a flag without its value", () => {
    expect(parseCommandLine(spec, ["extra"])).toEqual({
      kind: "error",
      message: "unexpected argument extra; see --help",
    });
    const missing = parseCommandLine(spec, ["--url"]);
    expect(missing.kind).toBe("error");
    expect(missing.kind === "error" ? missing.message : "").toMatch(/--url.*missing; see --help$/);
    expect(parseCommandLine({ ...spec, positionals: true }, ["extra"])).toMatchObject({
      kind: "run",
      positionals: ["extra"],
    });
  });

  it("answers -h and --help with the usage, every flag and the environment", () => {
    const help = parseCommandLine(spec, ["-h"]);
    expect(help).toEqual({ kind: "help", text: helpText(spec) });
    expect(parseCommandLine(spec, ["--demo", "--help"])).toEqual(help);
    const text = helpText(spec);
    expect(text).toMatch(/^Usage: pnpm example \[--demo\] \[--url <url>\]\n\nDoes an example\./);
    for (const line of ["--demo", "--url <url>", "--only <name>", "-h, --help", "REDIS_URL", "Exit status"]) {
      expect(text).toContain(line);
    }
  });
});
