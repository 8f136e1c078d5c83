import { describe, expect, it } from "vitest";
import { DEFAULT_URL, parseCli } from "./cli";

describe("parseCli", () => {
  it("defaults to the local API and takes the token from the environment", () => {
    expect(parseCli([], "env-token")).toEqual({
      kind: "run",
      options: { url: DEFAULT_URL, token: "env-token", readonly: false },
    });
  });

  it("prefers --token and takes --url and --readonly", () => {
    expect(parseCli(["--url", "https://fleet.example/graphql", "--token", "t", "--readonly"], "env")).toEqual(
      {
        kind: "run",
        options: { url: "https://fleet.example/graphql", token: "t", readonly: true },
      },
    );
  });

  it("refuses unknown options and bad URLs", () => {
    expect(parseCli(["--bogus"], undefined)).toEqual({
      kind: "error",
      message: "cml-fleet-tui: unknown option --bogus; see --help",
    });
    expect(parseCli(["--url", "not a url"], undefined).kind).toBe("error");
    expect(parseCli(["--url", "ftp://x/graphql"], undefined).kind).toBe("error");
  });

  it("answers --help with the usage", () => {
    const parsed = parseCli(["-h"], undefined);
    expect(parsed.kind === "help" && parsed.text).toContain("--readonly");
  });
});
