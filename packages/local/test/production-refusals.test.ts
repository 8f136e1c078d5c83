import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@cml-fleet/platform/testing/free-port";
import { describe, expect, it } from "vitest";
import { TEST_REDIS_URL } from "../../platform/test/support/test-redis";

/**
 * NODE_ENV=production with a development backend left in place: each entry
 * point (the API, the job process, `pnpm start`) refuses to start, exit 1,
 * with one line per setting naming what to set, before it opens anything.
 */

const PACKAGES = fileURLToPath(new URL("../..", import.meta.url));
const ENTRIES = [
  ["the API", "api"],
  ["the job process", "jobs"],
  ["pnpm start", "local"],
] as const;

/** Real secrets, so the only problems left are the backends. */
const PRODUCTION = {
  NODE_ENV: "production",
  CML_PASSWORD: "a-real-cml-password",
  BOOTSTRAP_ADMIN_TOKEN: "x".repeat(40),
  LOG_LEVEL: "fatal",
};
/** Variables of the runner's environment that would configure the backends. */
const CONFIGURING = [
  "DATABASE_URL",
  "CLOUD_PROVIDER",
  "CML_FLEET_ALLOW_SIMULATOR",
  "CML_FLEET_CONFIG",
  "SIM_URL",
];

function run(pkg: string, env: Record<string, string>) {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIGURING) {
    delete base[name];
  }
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: `${PACKAGES}${pkg}`,
    env: { ...base, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe("production refuses the development backends", () => {
  it.each(ENTRIES)(
    "%s exits 1 without DATABASE_URL and on the simulator, naming what to set",
    (_name, pkg) => {
      const result = run(pkg, PRODUCTION);
      expect(result.code, result.stderr).toBe(1);
      const lines = result.stderr.split("\n");
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^ {2}- DATABASE_URL \(default\): is required in production: set DATABASE_URL=postgres:/,
        ),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^ {2}- CLOUD_PROVIDER \(default\): the simulator is refused in production: set CLOUD_PROVIDER=aws, or CML_FLEET_ALLOW_SIMULATOR=true/,
        ),
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stderr).not.toContain("a-real-cml-password");
    },
  );

  it("the job process names only the simulator once DATABASE_URL is set", () => {
    const result = run("jobs", {
      ...PRODUCTION,
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/none",
      CLOUD_PROVIDER: "sim",
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("invalid configuration (1 problem)");
    expect(result.stderr).toMatch(/CLOUD_PROVIDER: the simulator is refused in production/);
  });
});

describe("a Postgres out of reach at start-up", () => {
  it.each(ENTRIES)(
    "%s exits 1 naming where Postgres was looked for and what to do, without the password",
    async (_name, pkg) => {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), "cml-fleet-unreachable-"));
      const result = run(pkg, {
        NODE_ENV: "development",
        LOG_LEVEL: "fatal",
        DATABASE_URL: `postgres://fleet:hunter2-secret@127.0.0.1:${port}/fleet`,
        // pnpm start: no simulator of its own, the shared Redis, its files in a directory of the test's.
        SIM_URL: `http://127.0.0.1:${port}`,
        REDIS_URL: TEST_REDIS_URL,
        CML_FLEET_DATA_DIR: dataDir,
      });
      rmSync(dataDir, { recursive: true, force: true });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `^database: cannot reach Postgres at 127\\.0\\.0\\.1:${port}/fleet \\(.*ECONNREFUSED.*\\); start it, or fix DATABASE_URL$`,
          "m",
        ),
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stderr).not.toContain("hunter2-secret");
    },
  );
});
