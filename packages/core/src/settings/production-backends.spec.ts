import { describe, expect, it } from "vitest";
import { problemsOf } from "../../test/support/settings-problems";
import { loadSettings } from "./load-settings";

const REAL_SECRETS = { NODE_ENV: "production", CML_PASSWORD: "a-real-password" } as const;
const DATABASE_URL = "postgres://fleet:secret@db.internal:5432/fleet";
/** A real-AWS production configuration: every allowed region has an AMI. */
const AWS = {
  CLOUD_PROVIDER: "aws",
  AWS_ALLOWED_REGIONS: "us-east-1",
  CML_WORKER_AMI_IDS: JSON.stringify({ "us-east-1": "ami-0a1b2c3d" }),
} as const;

describe("production's backends", () => {
  it("refuses production without DATABASE_URL (each process would keep its own embedded database), naming what to set", () => {
    const problems = problemsOf(() => loadSettings({ ...REAL_SECRETS, ...AWS }));
    expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL \(default\): is required in production/)]);
    expect(problems[0]).toMatch(/postgres:\/\//);
  });

  it("refuses the simulator in production, whether CLOUD_PROVIDER is unset or sim, and says how to ask for it", () => {
    for (const provider of [{}, { CLOUD_PROVIDER: "sim" }]) {
      const problems = problemsOf(() => loadSettings({ ...REAL_SECRETS, DATABASE_URL, ...provider }));
      expect(problems).toEqual([
        expect.stringMatching(/^CLOUD_PROVIDER.*: the simulator is refused in production/),
      ]);
      expect(problems[0]).toMatch(/CLOUD_PROVIDER=aws/);
      expect(problems[0]).toMatch(/CML_FLEET_ALLOW_SIMULATOR=true/);
    }
  });

  it("lists both when both are missing, without echoing a secret", () => {
    const problems = problemsOf(() => loadSettings(REAL_SECRETS));
    expect(problems).toHaveLength(2);
    expect(problems.join("\n")).not.toContain("a-real-password");
  });

  it("accepts production on Postgres and AWS", () => {
    const settings = loadSettings({ ...REAL_SECRETS, ...AWS, DATABASE_URL });
    expect(settings.cloud.provider).toBe("aws");
    expect(settings.database.url).toBe(DATABASE_URL);
  });

  it("accepts the simulator in production only with CML_FLEET_ALLOW_SIMULATOR=true", () => {
    const env = { ...REAL_SECRETS, DATABASE_URL, CLOUD_PROVIDER: "sim" };
    expect(loadSettings({ ...env, CML_FLEET_ALLOW_SIMULATOR: "true" }).cloud.provider).toBe("sim");
    expect(problemsOf(() => loadSettings({ ...env, CML_FLEET_ALLOW_SIMULATOR: "false" }))).toHaveLength(1);
    expect(problemsOf(() => loadSettings({ ...env, CML_FLEET_ALLOW_SIMULATOR: "maybe" }))).toEqual([
      expect.stringMatching(/^CML_FLEET_ALLOW_SIMULATOR: must be true or false/),
    ]);
  });

  it("leaves development and tests on the embedded database and the simulator", () => {
    for (const NODE_ENV of ["development", "test"]) {
      const settings = loadSettings({ NODE_ENV });
      expect(settings.database.url).toBeNull();
      expect(settings.cloud.provider).toBe("sim");
    }
  });
});
