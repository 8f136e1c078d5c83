import type { z } from "zod";
import { type RawSettings, resolveImages, resolvePrices } from "./settings-model";
import { MIN_PRODUCTION_TOKEN_LENGTH } from "./settings-shape";
import { DEFAULT_CML_PASSWORD } from "./settings-shape-cml";
import { MIN_METRICS_TOKEN_LENGTH } from "./settings-shape-edge";

type Key = keyof RawSettings;

export interface SettingsProblem {
  /** The setting to fix. */
  readonly key: Key;
  readonly path?: readonly string[];
  readonly message: string;
}

/** A rule that spans several settings; `inputs` are the settings it reads. */
interface Rule {
  readonly inputs: readonly Key[];
  check(raw: RawSettings): SettingsProblem[];
}

const AMI_KEYS = ["cml_worker_ami_config", "cml_worker_ami_ids", "cml_worker_ami_names"] as const;

/** The settings whose value is of type `T`. */
type KeyOf<T> = { [K in Key]: RawSettings[K] extends T ? K : never }[Key];

/** A list setting's default must be one of the values the list allows. */
function defaultIsAllowed(defaultKey: KeyOf<string>, allowedKey: KeyOf<readonly string[]>): Rule {
  return {
    inputs: [defaultKey, allowedKey],
    check: (raw) =>
      raw[allowedKey].includes(raw[defaultKey])
        ? []
        : [{ key: defaultKey, message: `"${raw[defaultKey]}" is not in ${allowedKey.toUpperCase()}` }],
  };
}

/** Every allowed value needs an entry in what `resolve` makes of the settings (an AMI, a price). */
function everyAllowedHas(
  allowedKey: KeyOf<readonly string[]>,
  inputs: readonly Key[],
  resolve: (raw: RawSettings) => Readonly<Record<string, unknown>>,
  missing: (value: string) => string,
): Rule {
  return {
    inputs: [allowedKey, ...inputs],
    check: (raw) => {
      const resolved = resolve(raw);
      return raw[allowedKey]
        .filter((value) => resolved[value] === undefined)
        .map((value) => ({ key: allowedKey, message: missing(value) }));
    },
  };
}

const RULES: readonly Rule[] = [
  defaultIsAllowed("aws_default_region", "aws_allowed_regions"),
  everyAllowedHas(
    "aws_allowed_regions",
    AMI_KEYS,
    resolveImages,
    (region) =>
      `region ${region} has no AMI (set it in CML_WORKER_AMI_CONFIG, CML_WORKER_AMI_IDS or CML_WORKER_AMI_NAMES)`,
  ),
  {
    inputs: ["cml_worker_ami_ids", "cml_worker_ami_config"],
    check: (raw) =>
      Object.entries(raw.cml_worker_ami_ids).flatMap(([region, id]): SettingsProblem[] => {
        const full = raw.cml_worker_ami_config[region]?.ami_id;
        return full === undefined || full === id
          ? []
          : [
              {
                key: "cml_worker_ami_ids",
                path: [region],
                message: `${id} contradicts CML_WORKER_AMI_CONFIG.${region}.ami_id (${full})`,
              },
            ];
      }),
  },
  defaultIsAllowed("cml_worker_default_instance_type", "cml_worker_allowed_instance_types"),
  everyAllowedHas(
    "cml_worker_allowed_instance_types",
    ["cml_worker_hourly_prices"],
    resolvePrices,
    (type) => `${type} has no price (add it to CML_WORKER_HOURLY_PRICES)`,
  ),
  ...(
    ["cml_worker_network_config", "cml_worker_key_pairs", "cml_worker_regional_hourly_prices"] as const
  ).map(
    (key): Rule => ({
      inputs: [key, "aws_allowed_regions"],
      check: (raw) =>
        Object.keys(raw[key])
          .filter((region) => !raw.aws_allowed_regions.includes(region))
          .map((region) => ({ key, path: [region], message: "is not in AWS_ALLOWED_REGIONS" })),
    }),
  ),
  {
    inputs: ["cml_worker_max_idle_before_warning", "cml_worker_idle_threshold"],
    check: (raw) =>
      raw.cml_worker_max_idle_before_warning < raw.cml_worker_idle_threshold
        ? []
        : [
            {
              key: "cml_worker_max_idle_before_warning",
              message: "must be shorter than CML_WORKER_IDLE_THRESHOLD (the warning comes before the stop)",
            },
          ],
  },
  {
    inputs: ["cml_worker_idle_stale_telemetry_age", "cml_worker_telemetry_collection_interval"],
    check: (raw) =>
      raw.cml_worker_idle_stale_telemetry_age > raw.cml_worker_telemetry_collection_interval
        ? []
        : [
            {
              key: "cml_worker_idle_stale_telemetry_age",
              message:
                "must be longer than CML_WORKER_TELEMETRY_COLLECTION_INTERVAL, else every sample is stale before the next sweep and nothing is ever judged idle",
            },
          ],
  },
  {
    inputs: ["aws_default_account", "aws_accounts"],
    check: (raw) =>
      raw.aws_accounts[raw.aws_default_account] !== undefined
        ? []
        : [
            {
              key: "aws_default_account",
              message: `"${raw.aws_default_account}" is not a key of AWS_ACCOUNTS`,
            },
          ],
  },
  {
    inputs: ["oidc_issuer", "oidc_audience"],
    check: (raw) =>
      raw.oidc_issuer !== null && raw.oidc_audience === null
        ? [{ key: "oidc_audience", message: "is required when OIDC_ISSUER is set" }]
        : [],
  },
  {
    inputs: ["metrics_port", "port"],
    check: (raw) =>
      raw.metrics_port !== 0 && raw.metrics_port === raw.port
        ? [{ key: "metrics_port", message: "must differ from PORT (or be 0 to serve /metrics on PORT)" }]
        : [],
  },
  {
    inputs: ["metrics_token"],
    check: (raw) =>
      raw.metrics_token !== null && raw.metrics_token.length < MIN_METRICS_TOKEN_LENGTH
        ? [{ key: "metrics_token", message: `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters` }]
        : [],
  },
  {
    inputs: ["node_env", "cml_password", "bootstrap_admin_token", "cors_origins"],
    check: (raw) => (raw.node_env === "production" ? productionProblems(raw) : []),
  },
  {
    inputs: ["node_env", "database_url", "cloud_provider", "cml_fleet_allow_simulator"],
    check: (raw) => (raw.node_env === "production" ? productionBackendProblems(raw) : []),
  },
];

/**
 * The development backends, refused in production: an embedded database is
 * one per process (the API and the job process would not share data), and
 * the simulator runs no real worker unless the operator asks for it.
 */
function productionBackendProblems(raw: RawSettings): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  if (raw.database_url === null) {
    problems.push({
      key: "database_url",
      message:
        "is required in production: set DATABASE_URL=postgres://user:password@host:5432/database (the embedded database would be one per process, not shared)",
    });
  }
  if (raw.cloud_provider === "sim" && !raw.cml_fleet_allow_simulator) {
    problems.push({
      key: "cloud_provider",
      message:
        "the simulator is refused in production: set CLOUD_PROVIDER=aws, or CML_FLEET_ALLOW_SIMULATOR=true to run the simulator on purpose",
    });
  }
  return problems;
}

/** Default or weak secrets, refused in production. */
function productionProblems(raw: RawSettings): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  if (raw.cml_password === DEFAULT_CML_PASSWORD) {
    problems.push({
      key: "cml_password",
      message: "is still the development default; set a real password in production",
    });
  }
  const token = raw.bootstrap_admin_token;
  if (token !== null && token.length < MIN_PRODUCTION_TOKEN_LENGTH) {
    problems.push({
      key: "bootstrap_admin_token",
      message: `must be at least ${MIN_PRODUCTION_TOKEN_LENGTH} characters in production`,
    });
  }
  if (raw.cors_origins.includes("*")) {
    problems.push({ key: "cors_origins", message: "* is refused in production; list the allowed origins" });
  }
  return problems;
}

/**
 * The problems between settings, skipping rules that read a setting listed
 * in `invalid` (that setting's own problem is reported instead, and a rule
 * fed a stand-in value would report nonsense).
 */
export function crossFieldProblems(
  raw: RawSettings,
  invalid: ReadonlySet<Key> = new Set(),
): SettingsProblem[] {
  return RULES.filter((rule) => rule.inputs.every((key) => !invalid.has(key))).flatMap((rule) =>
    rule.check(raw),
  );
}

/** Adds the cross-field problems to a zod refinement context. */
export function checkCrossFields(raw: RawSettings, ctx: z.RefinementCtx): void {
  for (const problem of crossFieldProblems(raw)) {
    ctx.addIssue({
      code: "custom",
      path: [problem.key, ...(problem.path ?? [])],
      message: problem.message,
      params: { crossField: true },
    });
  }
}
