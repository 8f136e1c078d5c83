import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { settingsReference } from "@cml-fleet/core/settings/settings-reference";
import { JOB_PROCESS_NODE_FLAGS } from "@cml-fleet/jobs/job-process-node-flags";
import { simulatorOptionsFromEnv } from "@cml-fleet/sim/options-from-env";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * docker-compose.yml and the Dockerfile cannot be run here (no Docker engine),
 * so this reads them and checks what would break a `docker compose up`:
 * misspelt settings, ports that do not meet, credentials that differ.
 */

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, "utf8");

interface ComposeService {
  readonly environment?: Record<string, string | number | boolean | null>;
  readonly ports?: readonly string[];
  readonly volumes?: readonly string[];
  readonly network_mode?: string;
  readonly build?: { readonly target?: string };
  readonly profiles?: readonly string[];
  readonly command?: readonly string[];
}

const compose = parse(read("docker-compose.yml"), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

/** What an operator's .env holds for the simulator demo (the file's header names these). */
const DOT_ENV: Readonly<Record<string, string>> = {
  BOOTSTRAP_ADMIN_TOKEN: "compose-test-admin-token-0123456789abcdefghij",
  CML_PASSWORD: "compose-test-cml-password",
  CLOUD_PROVIDER: "sim",
  CML_FLEET_ALLOW_SIMULATOR: "true",
  CML_FLEET_CONFIG_IN_CONTAINER: "",
};

/** docker compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
function interpolate(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?:(:?)([-?])([^}]*))?\}/g,
    (_match, name: string, colon, kind, rest) => {
      const set = vars[name];
      const missing = set === undefined || (colon === ":" && set === "");
      if (!missing) {
        return set;
      }
      if (kind === "?") {
        throw new Error(`compose would refuse to start: ${name} is required (${rest})`);
      }
      return kind === "-" ? rest : "";
    },
  );
}

function environmentOf(name: string, vars = DOT_ENV): Record<string, string> {
  const environment = services[name]?.environment ?? {};
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, interpolate(String(value ?? ""), vars)]),
  );
}

function portOf(url: string): number {
  const parsed = new URL(url);
  return Number(parsed.port === "" ? (parsed.protocol === "https:" ? 443 : 80) : parsed.port);
}

const settingNames = new Set(settingsReference().flatMap((setting) => [setting.env, ...setting.aliases]));
const loadSettingsSource = read("packages/core/src/settings/load-settings.ts");
const simEnvSource = read("packages/sim/src/options-from-env.ts");
const readBySimulator = (name: string) =>
  simEnvSource.includes(`"${name}"`) || simEnvSource.includes(`env.${name}`);

/** Why a variable set on a fleet service is legitimate, or null when nothing reads it. */
function knownFleetVariable(name: string): string | null {
  if (settingNames.has(name)) {
    return "setting";
  }
  if (name.startsWith("AWS_")) {
    return "AWS SDK";
  }
  // The loader's own input: which file to read the settings from.
  if (name === "CML_FLEET_CONFIG" && loadSettingsSource.includes("env.CML_FLEET_CONFIG")) {
    return "settings file";
  }
  if (name.startsWith("SIM_") && readBySimulator(name)) {
    return "simulator";
  }
  return null;
}

describe("docker-compose.yml", () => {
  it("has the services the README describes", () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(["postgres", "redis", "api", "jobs", "sim", "jobs-sim"]),
    );
  });

  it.each(["api", "jobs", "jobs-sim"])("sets only variables something reads on %s", (name) => {
    const unknown = Object.keys(services[name]?.environment ?? {}).filter(
      (variable) => knownFleetVariable(variable) === null,
    );
    expect(unknown).toEqual([]);
  });

  it("sets only variables the simulator reads on sim", () => {
    const unknown = Object.keys(services.sim?.environment ?? {}).filter(
      (variable) => !readBySimulator(variable),
    );
    expect(unknown).toEqual([]);
    expect(() => simulatorOptionsFromEnv(environmentOf("sim"))).not.toThrow();
  });

  it.each([
    [
      "api",
      { ...DOT_ENV, CLOUD_PROVIDER: "aws", CML_FLEET_CONFIG_IN_CONTAINER: "/etc/cml-fleet/config.yaml" },
    ],
    [
      "jobs",
      { ...DOT_ENV, CLOUD_PROVIDER: "aws", CML_FLEET_CONFIG_IN_CONTAINER: "/etc/cml-fleet/config.yaml" },
    ],
    ["jobs-sim", DOT_ENV],
  ])("gives %s settings that load in production mode, with its mounted configuration file", (name, vars) => {
    const env = environmentOf(name, vars);
    const mounts = new Map(
      (services[name]?.volumes ?? []).map((volume) => {
        const [host = "", container = ""] = interpolate(volume, vars).split(":");
        return [container, `${ROOT}${host.replace(/^\.\//, "")}`] as const;
      }),
    );
    const settings = loadSettings(env, {
      readFile: (path) => {
        const host = mounts.get(path);
        if (host === undefined) {
          throw new Error(`${path} is not mounted into ${name}`);
        }
        return readFileSync(host, "utf8");
      },
    });
    expect(settings.nodeEnv).toBe("production");
  });

  it("runs the sim demo's api on Postgres and the simulator only with CML_FLEET_ALLOW_SIMULATOR=true in .env", () => {
    const demo = loadSettings(environmentOf("api", DOT_ENV));
    expect(demo.cloud.provider).toBe("sim");
    expect(demo.database.url).toMatch(/^postgres:\/\/cml_fleet:/);
    const { CML_FLEET_ALLOW_SIMULATOR: _asked, ...withoutFlag } = DOT_ENV;
    expect(() => loadSettings(environmentOf("api", withoutFlag))).toThrow(
      /CLOUD_PROVIDER: the simulator is refused in production/,
    );
  });

  it("publishes the api on the PORT it listens on", () => {
    const port = environmentOf("api").PORT;
    expect(port).toBeDefined();
    const published = (services.api?.ports ?? []).map((mapping) => mapping.split(":").at(-1));
    expect(published).toContain(port);
  });

  it("points jobs-sim at the simulator: same network, SIM_URL port = SIM_PORT, same CML port and account", () => {
    const sim = environmentOf("sim");
    const jobsSim = environmentOf("jobs-sim");
    expect(services["jobs-sim"]?.network_mode).toBe("service:sim");
    expect(new URL(jobsSim.SIM_URL ?? "").hostname).toBe("127.0.0.1");
    expect(portOf(jobsSim.SIM_URL ?? "")).toBe(Number(sim.SIM_PORT));
    expect(jobsSim.SIM_CML_PORT).toBe(sim.SIM_CML_PORT);
    const simOptions = simulatorOptionsFromEnv(sim);
    expect(simOptions.cmlUsername).toBe(jobsSim.CML_USERNAME);
    expect(simOptions.cmlPassword).toBe(jobsSim.CML_PASSWORD);
  });

  it("makes the simulator reachable through the port it publishes", () => {
    const sim = environmentOf("sim");
    const published = (services.sim?.ports ?? []).map((mapping) => mapping.split(":").at(-1));
    expect(published).toContain(sim.SIM_PORT);
    // A published port reaches the container's interface, not its loopback.
    expect(simulatorOptionsFromEnv(sim).host).toBe("0.0.0.0");
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const stages = new Map<string, { from: string; lines: string[] }>();
  let current: string[] = [];
  for (const line of dockerfile.split("\n")) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      current = [];
      stages.set(from[2] ?? `#${stages.size}`, { from: from[1] ?? "", lines: current });
    } else {
      current.push(line);
    }
  }

  /** The last USER a stage runs as, following its FROM chain (root when none says otherwise). */
  function userOf(stage: string): string {
    const entry = stages.get(stage);
    if (entry === undefined) {
      return "root";
    }
    const users = entry.lines
      .map((line) => /^USER\s+(\S+)/i.exec(line)?.[1])
      .filter((user) => user !== undefined);
    return users.at(-1) ?? userOf(entry.from);
  }

  it.each(["api", "jobs", "sim"])("has a %s target that runs as a non-root user", (target) => {
    expect(stages.has(target)).toBe(true);
    expect(["root", "0", "0:0"]).not.toContain(userOf(target));
  });

  it.each(["api", "jobs", "sim"])(
    "runs %s with tsx from the package's own runtime dependencies",
    (target) => {
      const cmd = stages.get(target)?.lines.find((line) => line.startsWith("CMD"));
      // A job process starts with its memory flags before them (jobs/test/job-process-node-flags.test.ts).
      const flags = target === "jobs" ? JOB_PROCESS_NODE_FLAGS : [];
      expect(cmd).toBe(
        `CMD ${JSON.stringify(["node", ...flags, "--import", "tsx", "src/main.ts"]).replaceAll(",", ", ")}`,
      );
      const manifest = JSON.parse(read(`packages/${target}/package.json`)) as {
        dependencies?: Record<string, string>;
      };
      expect(manifest.dependencies?.tsx).toBeDefined();
      expect(existsSync(`${ROOT}packages/${target}/src/main.ts`)).toBe(true);
    },
  );

  it("copies every workspace package's manifest before fetching (the frozen lockfile names them all)", () => {
    const copied = new Set(
      (stages.get("deps")?.lines ?? [])
        .map((line) => /^COPY\s+packages\/([\w-]+)\/package\.json\s/.exec(line)?.[1])
        .filter((name) => name !== undefined),
    );
    const packages = readdirSync(`${ROOT}packages`).filter((name) =>
      existsSync(`${ROOT}packages/${name}/package.json`),
    );
    expect([...copied].sort()).toEqual(packages.sort());
  });

  it("builds the targets docker-compose.yml asks for", () => {
    const targets = Object.values(services)
      .map((service) => service.build?.target)
      .filter((target) => target !== undefined);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      expect(stages.has(target)).toBe(true);
    }
  });
});

describe("docker-compose.yml's observability profile (Prometheus and Grafana with deploy/)", () => {
  /** Where a service's container path comes from on the host: the longest mount that holds it. */
  function hostPathOf(service: string, containerPath: string): string {
    const mounts = (services[service]?.volumes ?? [])
      .map((volume) => volume.split(":"))
      .filter(([host = ""]) => host.startsWith("./"))
      .map(([host = "", container = ""]) => ({ host: host.slice(2), container }))
      .filter(({ container }) => containerPath === container || containerPath.startsWith(`${container}/`))
      .sort((a, b) => b.container.length - a.container.length);
    const mount = mounts[0];
    if (mount === undefined) {
      throw new Error(`${containerPath} is not mounted into ${service}`);
    }
    return `${mount.host}${containerPath.slice(mount.container.length)}`;
  }

  const prometheusConfigPath = hostPathOf(
    "prometheus",
    (services.prometheus?.command ?? [])
      .find((arg) => arg.startsWith("--config.file="))
      ?.slice("--config.file=".length) ?? "",
  );
  const prometheusConfig = parse(read(prometheusConfigPath)) as {
    rule_files: string[];
    scrape_configs: {
      job_name: string;
      metrics_path: string;
      dns_sd_configs: { names: string[]; port: number }[];
    }[];
  };

  it("runs both only under the observability profile, from the deploy/ files", () => {
    for (const name of ["prometheus", "grafana"]) {
      expect(services[name]?.profiles).toEqual(["observability"]);
      for (const volume of services[name]?.volumes ?? []) {
        const host = volume.split(":")[0] ?? "";
        if (host.startsWith("./")) {
          expect(existsSync(`${ROOT}${host.slice(2)}`)).toBe(true);
        }
      }
    }
  });

  it("loads the alert rules beside prometheus.yml", () => {
    const directory = prometheusConfigPath.slice(0, prometheusConfigPath.lastIndexOf("/") + 1);
    expect(prometheusConfig.rule_files.length).toBeGreaterThan(0);
    for (const file of prometheusConfig.rule_files) {
      expect(existsSync(`${ROOT}${directory}${file}`)).toBe(true);
    }
  });

  it("scrapes the api on its PORT, and each job process on its JOBS_METRICS_PORT by the name it is reached at", () => {
    const jobs = (name: string) => prometheusConfig.scrape_configs.find((job) => job.job_name === name);
    const api = jobs("cml-fleet-api")?.dns_sd_configs[0];
    expect(api?.names).toEqual(["api"]);
    expect(String(api?.port)).toBe(environmentOf("api").PORT);

    const workers = jobs("cml-fleet-jobs")?.dns_sd_configs[0];
    // jobs-sim shares the simulator's network: it is reached at the sim's name.
    expect(services["jobs-sim"]?.network_mode).toBe("service:sim");
    expect(workers?.names).toEqual(["jobs", "sim"]);
    for (const name of ["jobs", "jobs-sim"]) {
      expect(String(workers?.port)).toBe(environmentOf(name).JOBS_METRICS_PORT);
    }
    for (const job of prometheusConfig.scrape_configs) {
      expect(job.metrics_path).toBe("/metrics");
      for (const name of job.dns_sd_configs.flatMap((config) => config.names)) {
        expect(Object.keys(services)).toContain(name);
      }
    }
  });

  it("gives Grafana the Prometheus service as its datasource and the dashboard it provisions", () => {
    const datasources = parse(
      read(hostPathOf("grafana", "/etc/grafana/provisioning/datasources/prometheus.yml")),
    ) as { datasources: { uid: string; url: string }[] };
    const [source] = datasources.datasources;
    expect(new URL(source?.url ?? "").hostname).toBe("prometheus");
    expect(new URL(source?.url ?? "").port).toBe("9090");

    const providers = parse(
      read(hostPathOf("grafana", "/etc/grafana/provisioning/dashboards/cml-fleet.yml")),
    ) as {
      providers: { options: { path: string } }[];
    };
    const dashboards = providers.providers[0]?.options.path ?? "";
    const dashboard = JSON.parse(read(hostPathOf("grafana", `${dashboards}/cml-fleet.json`))) as {
      panels: { datasource?: { uid: string } }[];
    };
    const uids = new Set(
      dashboard.panels.flatMap((panel) => (panel.datasource ? [panel.datasource.uid] : [])),
    );
    expect([...uids]).toEqual([source?.uid]);

    const home = environmentOf("grafana", {
      ...DOT_ENV,
      GRAFANA_ADMIN_PASSWORD: "x",
    }).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(existsSync(`${ROOT}${hostPathOf("grafana", home ?? "")}`)).toBe(true);
  });
});
