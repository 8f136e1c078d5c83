import type { z } from "zod";
import { type RawSettings, resolveImages, resolvePrices } from "./settings-model";
import { MIN_PRODUCTION_TOKEN_LENGTH } from "./settings-shape";
import { DEFAULT_CML_PASSWORD } from "./settings-shape-cml";

type Problem = {
  readonly key: keyof RawSettings;
  readonly path?: readonly string[];
  readonly message: string;
};

/** Rules that span several settings; each problem names the setting to fix. */
export function crossFieldProblems(raw: RawSettings): Problem[] {
  const problems: Problem[] = [];
  const allowedRegions = new Set(raw.aws_allowed_regions);
  const allowedTypes = new Set(raw.cml_worker_allowed_instance_types);

  if (!allowedRegions.has(raw.aws_default_region)) {
    problems.push({
      key: "aws_default_region",
      message: `"${raw.aws_default_region}" is not in AWS_ALLOWED_REGIONS`,
    });
  }
  const images = resolveImages(raw);
  for (const region of raw.aws_allowed_regions) {
    if (images[region] === undefined) {
      problems.push({
        key: "aws_allowed_regions",
        message: `region ${region} has no AMI (set it in CML_WORKER_AMI_CONFIG, CML_WORKER_AMI_IDS or CML_WORKER_AMI_NAMES)`,
      });
    }
  }
  for (const [region, id] of Object.entries(raw.cml_worker_ami_ids)) {
    const full = raw.cml_worker_ami_config[region]?.ami_id;
    if (full !== undefined && full !== id) {
      problems.push({
        key: "cml_worker_ami_ids",
        path: [region],
        message: `${id} contradicts CML_WORKER_AMI_CONFIG.${region}.ami_id (${full})`,
      });
    }
  }
  if (!allowedTypes.has(raw.cml_worker_default_instance_type)) {
    problems.push({
      key: "cml_worker_default_instance_type",
      message: `"${raw.cml_worker_default_instance_type}" is not in CML_WORKER_ALLOWED_INSTANCE_TYPES`,
    });
  }
  const prices = resolvePrices(raw);
  for (const type of raw.cml_worker_allowed_instance_types) {
    if (prices[type] === undefined) {
      problems.push({
        key: "cml_worker_allowed_instance_types",
        message: `${type} has no price (add it to CML_WORKER_HOURLY_PRICES)`,
      });
    }
  }
  for (const key of [
    "cml_worker_network_config",
    "cml_worker_key_pairs",
    "cml_worker_regional_hourly_prices",
  ] as const) {
    for (const region of Object.keys(raw[key])) {
      if (!allowedRegions.has(region)) {
        problems.push({ key, path: [region], message: "is not in AWS_ALLOWED_REGIONS" });
      }
    }
  }
  if (raw.cml_worker_max_idle_before_warning >= raw.cml_worker_idle_threshold) {
    problems.push({
      key: "cml_worker_max_idle_before_warning",
      message: "must be shorter than CML_WORKER_IDLE_THRESHOLD (the warning comes before the stop)",
    });
  }
  if (raw.cml_worker_idle_stale_telemetry_age <= raw.cml_worker_telemetry_collection_interval) {
    problems.push({
      key: "cml_worker_idle_stale_telemetry_age",
      message:
        "must be longer than CML_WORKER_TELEMETRY_COLLECTION_INTERVAL, else every sample is stale before the next sweep and nothing is ever judged idle",
    });
  }
  if (raw.aws_accounts[raw.aws_default_account] === undefined) {
    problems.push({
      key: "aws_default_account",
      message: `"${raw.aws_default_account}" is not a key of AWS_ACCOUNTS`,
    });
  }
  if (raw.oidc_issuer !== null && raw.oidc_audience === null) {
    problems.push({ key: "oidc_audience", message: "is required when OIDC_ISSUER is set" });
  }
  if (raw.node_env === "production") {
    problems.push(...productionProblems(raw));
  }
  return problems;
}

function productionProblems(raw: RawSettings): Problem[] {
  const problems: Problem[] = [];
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
