import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "cml-replay-"));

/** `pnpm replay` as the root script runs it: node with tsx, in the package, on the caller's file. */
function replay(args: string[], env: Record<string, string> = {}) {
  const child = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: PACKAGE,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", INIT_CWD: scratch, ...env },
    timeout: 60_000,
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

function traceFile(name: string, trace: unknown): string {
  writeFileSync(join(scratch, name), JSON.stringify(trace));
  return name;
}

const oneDay = {
  start: "2026-11-02T00:00:00Z",
  end: "2026-11-03T00:00:00Z",
  bootMinutes: 8,
  workers: [
    {
      name: "lab-1",
      hourlyRate: 2,
      starts: ["2026-11-02T08:00:00Z"],
      stops: [],
      activity: [{ from: "2026-11-02T09:00:00Z", to: "2026-11-02T11:00:00Z", runningNodes: 2 }],
    },
  ],
};

describe("pnpm replay (the CLI, as a child process)", () => {
  it("prints one JSON report with the contract's keys, from a path relative to where it was asked", () => {
    const { status, stdout } = replay([traceFile("one-day.json", oneDay)]);
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual([
      "baselineHours",
      "billedHours",
      "oracleHours",
      "savedFraction",
      "stopsDuringActivity",
      "coldStarts",
      "scheduledLateStarts",
      "baselineUsd",
      "billedUsd",
      "oracleUsd",
      "workers",
    ]);
    expect(report).toMatchObject({ baselineHours: 16, billedHours: 3.5, oracleHours: 2 });
  });

  it("reads the settings from the environment", () => {
    const { status, stdout } = replay([traceFile("one-day.json", oneDay)], {
      CML_WORKER_IDLE_THRESHOLD: "10m",
      CML_WORKER_MAX_IDLE_BEFORE_WARNING: "5m",
    });
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ billedHours: 3.1667 });
  });

  it("reads the settings from the file CML_FLEET_CONFIG names, as the job process does", () => {
    const config = join(scratch, "fleet.yaml");
    writeFileSync(
      config,
      [
        "aws_allowed_regions: [us-east-1]",
        "cml_worker_ami_ids:",
        "  us-east-1: ami-0123456789abcdef0",
        "cml_worker_idle_threshold: 45m",
      ].join("\n"),
    );
    const { status, stdout } = replay([traceFile("one-day.json", oneDay)], { CML_FLEET_CONFIG: config });
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ billedHours: 3.75 }); // 08:00 to 11:45
  });

  it("refuses a bad trace with exit 2, naming the field", () => {
    const bad = {
      ...oneDay,
      workers: [{ ...oneDay.workers[0], activity: [{ from: "2026-11-02T09:00:00Z", to: "soon" }] }],
    };
    const { status, stdout, stderr } = replay([traceFile("bad.json", bad)]);
    expect(status).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(
      /bad trace .*bad\.json: workers\[0\]\.activity\[0\]\.to: must be an ISO 8601 instant/,
    );
  });

  it("refuses unknown flags, a missing file and bad settings with exit 2; --help prints the usage", () => {
    const flag = replay(["--fast", "x.json"]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toBe("pnpm replay: unknown option --fast; see --help\n");
    expect(replay([]).stderr).toMatch(/expected exactly one trace file/);
    const missing = replay(["nowhere.json"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nowhere\.json/);
    const settings = replay([traceFile("one-day.json", oneDay)], { CML_WORKER_IDLE_THRESHOLD: "soon" });
    expect(settings.status).toBe(2);
    expect(settings.stderr).toMatch(/bad settings/);
    const help = replay(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pnpm replay <trace\.json>/);
  });
});
