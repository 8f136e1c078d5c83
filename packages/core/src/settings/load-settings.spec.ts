import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { problemsOf } from "../../test/support/settings-problems";
import { loadSettings } from "./load-settings";
import { settingsReference } from "./settings-reference";

const EXAMPLE = fileURLToPath(new URL("../../../../config/example.yaml", import.meta.url));
/** The backends production requires (see production-backends.spec), so a test of something else loads. */
const PRODUCTION_BACKENDS = {
  DATABASE_URL: "postgres://fleet:secret@db.internal:5432/fleet",
  CLOUD_PROVIDER: "sim",
  CML_FLEET_ALLOW_SIMULATOR: "true",
} as const;

function withFile(text: string) {
  return { readFile: (path: string) => (path === "/etc/fleet.yaml" ? text : readFileSync(path, "utf8")) };
}

describe("loadSettings", () => {
  it("applies the demo configuration with the simulator's newest AMIs when the sim runs without a file", () => {
    const settings = loadSettings({});
    expect(settings.cloud.provider).toBe("sim");
    expect(settings.aws.allowedRegions).toEqual(["us-east-1", "us-west-2"]);
    expect(settings.worker.images["us-east-1"]).toEqual({
      amiId: "ami-0c9f4e2a7b1d83e52",
      amiName: "CML-2.9.0-Ubuntu-22.04",
      cmlVersion: "2.9.0",
    });
    expect(settings.cml.apiPort).toBe(8443);
    expect(settings.cml.tlsVerify).toBe(false);
    expect(settings.port).toBe(4000);
    expect(settings.redis.url).toBe("redis://127.0.0.1:6379");
    expect(settings.database.url).toBeNull();
    expect(settings.idle.snoozeAfterStartMs).toBe(60 * 60_000);
  });

  it("puts the demo CML port on SIM_CML_PORT", () => {
    expect(loadSettings({ SIM_CML_PORT: "9443" }).cml.apiPort).toBe(9443);
  });

  it("accepts durations with a unit and the review's _MINUTES / _SECONDS spellings", () => {
    const settings = loadSettings({
      CML_WORKER_IDLE_THRESHOLD_MINUTES: "45",
      CML_WORKER_MAX_IDLE_BEFORE_WARNING: "40m",
      CML_WORKER_TELEMETRY_COLLECTION_INTERVAL_SECONDS: "15",
      CML_HEALTH_CHECK_INTERVAL: "500ms",
    });
    expect(settings.idle.thresholdMs).toBe(45 * 60_000);
    expect(settings.idle.warningAfterMs).toBe(40 * 60_000);
    expect(settings.telemetry.collectionIntervalMs).toBe(15_000);
    expect(settings.cml.healthCheckIntervalMs).toBe(500);
  });

  it("reads per-region maps as JSON from the environment", () => {
    const settings = loadSettings({
      CLOUD_PROVIDER: "aws",
      AWS_ALLOWED_REGIONS: "us-east-1, eu-west-1",
      CML_WORKER_AMI_IDS: '{"us-east-1":"ami-0123456789abcdef0"}',
      CML_WORKER_AMI_NAMES: '{"eu-west-1":"CML-2.7.0-Ubuntu-22.04"}',
      CML_WORKER_NETWORK_CONFIG: '{"eu-west-1":{"subnet_id":"subnet-0abc","security_group_ids":["sg-01"]}}',
    });
    expect(settings.worker.images).toEqual({
      "eu-west-1": { amiId: null, amiName: "CML-2.7.0-Ubuntu-22.04", cmlVersion: null },
      "us-east-1": { amiId: "ami-0123456789abcdef0", amiName: null, cmlVersion: null },
    });
    expect(settings.worker.networks["eu-west-1"]).toEqual({
      vpcId: null,
      subnetId: "subnet-0abc",
      securityGroupIds: ["sg-01"],
      assignPublicIp: true,
    });
  });

  it("lets the environment win over the config file, and the file over the defaults", () => {
    const file =
      "cloud_provider: aws\naws_allowed_regions: [us-east-1]\ncml_worker_ami_ids: {us-east-1: ami-0a}\nport: 5000\nlog_level: debug\n";
    const settings = loadSettings({ CML_FLEET_CONFIG: "/etc/fleet.yaml", PORT: "6000" }, withFile(file));
    expect(settings.port).toBe(6000);
    expect(settings.logLevel).toBe("debug");
  });

  it("loads config/example.yaml cleanly", () => {
    const settings = loadSettings({ CML_FLEET_CONFIG: EXAMPLE });
    expect(settings.cloud.provider).toBe("aws");
    expect(settings.aws.accounts.research?.roleArn).toBe("arn:aws:iam::123456789012:role/cml-fleet-operator");
    expect(settings.pricing.hourlyUsd["m5zn.metal"]).toBe(3.9641);
  });

  it("lists every bad value at once, one line each, naming the variable", () => {
    const problems = problemsOf(() =>
      loadSettings({
        PORT: "http",
        CML_WORKER_IDLE_THRESHOLD: "30",
        CML_TLS_VERIFY: "maybe",
        LOG_LEVEL: "loud",
        CML_WORKER_AMI_IDS: "{not json",
        CML_WORKER_NETWORK_CONFIG: '{"us-east-1":{"subnet_id":"net-1"}}',
      }),
    );
    expect(problems).toHaveLength(6);
    expect(problems).toContain('PORT: must be a whole number (got "http")');
    expect(problems.find((line) => line.startsWith("CML_WORKER_IDLE_THRESHOLD:"))).toMatch(/with a unit/);
    expect(problems.find((line) => line.startsWith("CML_TLS_VERIFY:"))).toMatch(/true or false/);
    expect(problems.find((line) => line.startsWith("LOG_LEVEL:"))).toMatch(/one of trace/);
    expect(problems).toContain("CML_WORKER_AMI_IDS: is not valid JSON (write a JSON object)");
    expect(
      problems.find((line) => line.startsWith("CML_WORKER_NETWORK_CONFIG.us-east-1.subnet_id:")),
    ).toBeDefined();
  });

  it("names the file key of a bad value from the config file, and refuses unknown keys there", () => {
    const problems = problemsOf(() =>
      loadSettings(
        { CML_FLEET_CONFIG: "/etc/fleet.yaml" },
        withFile("cml_worker_idle_treshold: 30m\ncml_api_port: 70000\n"),
      ),
    );
    expect(problems).toContain("cml_worker_idle_treshold (in /etc/fleet.yaml): unknown setting");
    expect(problems).toContain("cml_api_port (in /etc/fleet.yaml): must be between 1 and 65535");
  });

  it("refuses both spellings of one duration", () => {
    const problems = problemsOf(() =>
      loadSettings({ CML_WORKER_IDLE_THRESHOLD: "30m", CML_WORKER_IDLE_THRESHOLD_MINUTES: "30" }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/give only one/);
  });

  it("checks the settings against each other", () => {
    const problems = problemsOf(() =>
      loadSettings({
        CLOUD_PROVIDER: "aws",
        AWS_DEFAULT_REGION: "eu-central-1",
        AWS_ALLOWED_REGIONS: "us-east-1,us-west-2",
        CML_WORKER_AMI_IDS: '{"us-east-1":"ami-0a"}',
        CML_WORKER_DEFAULT_INSTANCE_TYPE: "m5.xlarge",
        CML_WORKER_ALLOWED_INSTANCE_TYPES: "c5.2xlarge,x9.huge",
        CML_WORKER_IDLE_THRESHOLD: "20m",
        CML_WORKER_MAX_IDLE_BEFORE_WARNING: "20m",
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'AWS_DEFAULT_REGION: "eu-central-1" is not in AWS_ALLOWED_REGIONS',
        expect.stringMatching(/^AWS_ALLOWED_REGIONS: region us-west-2 has no AMI/),
        'CML_WORKER_DEFAULT_INSTANCE_TYPE: "m5.xlarge" is not in CML_WORKER_ALLOWED_INSTANCE_TYPES',
        expect.stringMatching(/^CML_WORKER_ALLOWED_INSTANCE_TYPES: x9.huge has no price/),
        expect.stringMatching(
          /^CML_WORKER_MAX_IDLE_BEFORE_WARNING: must be shorter than CML_WORKER_IDLE_THRESHOLD/,
        ),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it("reports problems between valid settings even while another setting is invalid", () => {
    const problems = problemsOf(() =>
      loadSettings({ PORT: "http", AWS_DEFAULT_REGION: "eu-west-1", CML_WORKER_IDLE_THRESHOLD: "soon" }),
    );
    expect(problems).toEqual([
      'PORT: must be a whole number (got "http")',
      expect.stringMatching(/^CML_WORKER_IDLE_THRESHOLD: is not a duration/),
      'AWS_DEFAULT_REGION: "eu-west-1" is not in AWS_ALLOWED_REGIONS',
    ]);
  });

  it("refuses default and weak secrets in production, without echoing them", () => {
    const problems = problemsOf(() =>
      loadSettings({ ...PRODUCTION_BACKENDS, NODE_ENV: "production", BOOTSTRAP_ADMIN_TOKEN: "short-secret" }),
    );
    expect(problems).toHaveLength(2);
    expect(problems.find((line) => line.startsWith("CML_PASSWORD"))).toMatch(/development default/);
    expect(problems.find((line) => line.startsWith("BOOTSTRAP_ADMIN_TOKEN"))).toMatch(/at least 32/);
    expect(problems.join("\n")).not.toContain("short-secret");
  });

  it("accepts production with real secrets", () => {
    const settings = loadSettings({
      ...PRODUCTION_BACKENDS,
      NODE_ENV: "production",
      CML_PASSWORD: "a-real-password",
      BOOTSTRAP_ADMIN_TOKEN: "x".repeat(40),
    });
    expect(settings.nodeEnv).toBe("production");
  });

  it("still asks for an AMI per allowed region when the sim runs from a file", () => {
    expect(
      problemsOf(() =>
        loadSettings(
          { CML_FLEET_CONFIG: "fleet.yaml" },
          { readFile: () => "aws_allowed_regions: [eu-west-1]\n" },
        ),
      ),
    ).toEqual(expect.arrayContaining([expect.stringMatching(/region eu-west-1 has no AMI/)]));
  });
});

describe("the HTTP edge settings", () => {
  it("turn introspection and GraphiQL off in production unless set, and on in development", () => {
    const production = { ...PRODUCTION_BACKENDS, NODE_ENV: "production", CML_PASSWORD: "a-real-password" };
    expect(loadSettings(production).edge).toMatchObject({ introspection: false, graphiql: false });
    expect(loadSettings({ NODE_ENV: "development" }).edge).toMatchObject({
      introspection: true,
      graphiql: true,
    });
    expect(loadSettings({ NODE_ENV: "test" }).edge).toMatchObject({ introspection: true, graphiql: false });
    expect(loadSettings({ ...production, GRAPHQL_INTROSPECTION: "on", GRAPHIQL: "yes" }).edge).toMatchObject({
      introspection: true,
      graphiql: true,
    });
    expect(problemsOf(() => loadSettings({ GRAPHIQL: "maybe" }))).toEqual([
      expect.stringMatching(/^GRAPHIQL.*true or false/),
    ]);
  });

  it("read the rate limit and the metrics listener", () => {
    const edge = loadSettings({
      RATE_LIMIT_PER_MINUTE: "0",
      RATE_LIMIT_BURST: "5",
      METRICS_PORT: "9464",
      METRICS_TOKEN: "m".repeat(16),
    }).edge;
    expect(edge).toMatchObject({
      rateLimit: { perMinute: 0, burst: 5 },
      metricsPort: 9464,
      metricsToken: "m".repeat(16),
    });
    expect(loadSettings({}).edge.rateLimit).toEqual({ perMinute: 600, burst: 100 });
  });

  it("refuse a short metrics token and a metrics port equal to PORT, without echoing the token", () => {
    const problems = problemsOf(() =>
      loadSettings({ PORT: "4000", METRICS_PORT: "4000", METRICS_TOKEN: "short-one" }),
    );
    expect(problems.find((line) => line.startsWith("METRICS_PORT"))).toMatch(/differ from PORT/);
    expect(problems.find((line) => line.startsWith("METRICS_TOKEN"))).toMatch(/at least 16/);
    expect(problems.join("\n")).not.toContain("short-one");
    expect(problemsOf(() => loadSettings({ RATE_LIMIT_BURST: "0" }))).toEqual([
      expect.stringMatching(/^RATE_LIMIT_BURST/),
    ]);
  });
});

describe("settingsReference", () => {
  const reference = settingsReference();

  it("covers every setting the code review recommends", () => {
    const names = reference.map((entry) => entry.env);
    for (const name of [
      "AWS_DEFAULT_REGION",
      "AWS_ALLOWED_REGIONS",
      "CML_WORKER_AMI_IDS",
      "CML_WORKER_AMI_NAMES",
      "CML_WORKER_AMI_CONFIG",
      "CML_WORKER_DEFAULT_INSTANCE_TYPE",
      "CML_WORKER_ALLOWED_INSTANCE_TYPES",
      "CML_WORKER_NETWORK_CONFIG",
      "CML_WORKER_KEY_PAIRS",
      "CML_HTTPS_PORT",
      "CML_API_PORT",
      "CML_HEALTH_CHECK_INTERVAL",
      "CML_STARTUP_TIMEOUT",
      "CML_LICENSE_TOKEN",
      "CML_LICENSE_CHECK_ON_STARTUP",
      "CML_WORKER_IDLE_THRESHOLD",
      "CML_WORKER_AUTO_SHUTDOWN_ENABLED",
      "CML_WORKER_TELEMETRY_COLLECTION_INTERVAL",
      "CML_WORKER_MAX_IDLE_BEFORE_WARNING",
    ]) {
      expect(names).toContain(name);
    }
  });

  it("documents each setting and hides secret defaults", () => {
    for (const entry of reference) {
      expect(entry.description.length, entry.env).toBeGreaterThan(20);
    }
    const idle = reference.find((entry) => entry.env === "CML_WORKER_IDLE_THRESHOLD");
    expect(idle).toMatchObject({
      type: "duration",
      default: "30m",
      aliases: expect.arrayContaining(["CML_WORKER_IDLE_THRESHOLD_MINUTES"]),
    });
    expect(reference.find((entry) => entry.env === "CML_PASSWORD")?.default).toBe("(development default)");
  });
});
