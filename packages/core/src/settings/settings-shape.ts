import { z } from "zod";
import {
  booleanSetting,
  enumSetting,
  integerSetting,
  listSetting,
  mapSetting,
  optionalTextSetting,
  portSetting,
  textSetting,
  URL_PATTERN,
} from "./settings-fields";
import { cmlSettingsShape } from "./settings-shape-cml";
import { edgeSettingsShape } from "./settings-shape-edge";
import { notifySettingsShape } from "./settings-shape-notify";
import { scheduleSettingsShape } from "./settings-shape-schedule";

export const REGION_PATTERN = { regex: /^[a-z]{2}(-gov)?-[a-z]+-\d+$/, hint: "is not an AWS region name" };
export const INSTANCE_TYPE_PATTERN = {
  regex: /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/,
  hint: "is not an EC2 instance type",
};

/** The shortest bootstrap admin token accepted in production. */
export const MIN_PRODUCTION_TOKEN_LENGTH = 32;

const amiEntry = z
  .strictObject({
    ami_id: z
      .string()
      .regex(/^ami-[0-9a-zA-Z]+$/, "must look like ami-0123456789abcdef0")
      .optional(),
    ami_name: z.string().min(1).optional(),
    cml_version: z.string().min(1).optional(),
  })
  .refine((entry) => entry.ami_id !== undefined || entry.ami_name !== undefined, {
    message: "needs ami_id or ami_name",
  });

const networkEntry = z.strictObject({
  vpc_id: z
    .string()
    .regex(/^vpc-[0-9a-zA-Z]+$/, "must look like vpc-0123456789abcdef0")
    .optional(),
  subnet_id: z
    .string()
    .regex(/^subnet-[0-9a-zA-Z]+$/, "must look like subnet-0123456789abcdef0")
    .optional(),
  security_group_ids: z
    .array(z.string().regex(/^sg-[0-9a-zA-Z]+$/, "must look like sg-0123456789abcdef0"))
    .optional(),
  assign_public_ip: z.boolean().default(true),
});

const accountEntry = z.strictObject({
  role_arn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/,
      "must be an IAM role ARN (arn:aws:iam::<12 digits>:role/...)",
    )
    .optional(),
  external_id: z.string().min(2).max(1224).optional(),
});

const price = z.number().positive("must be a positive USD/hour price");

/**
 * Every setting, keyed by its file key: the environment variable name in
 * lower case (the code review's Python names). Durations also accept the
 * review's `_minutes` / `_seconds` variants (see load-settings).
 */
export const settingsShape = {
  // --- process ---
  node_env: enumSetting(
    ["development", "test", "production"],
    "development",
    "Runtime mode. In production, default or weak secrets are refused at start-up.",
  ),
  port: portSetting(4000, "HTTP port of the API (GraphQL at /graphql, /healthz, /readyz)."),
  jobs_metrics_port: integerSetting(
    0,
    "Port on which a job process started on its own serves /metrics (0: off; the API serves them at its own /metrics).",
    { min: 0, max: 65_535 },
    "port",
  ),
  cors_origins: listSetting(
    [],
    "Origins allowed to call the API from a browser (CORS); empty allows none, * allows all (refused in production).",
  ),
  ...edgeSettingsShape,
  log_level: enumSetting(
    ["trace", "debug", "info", "warn", "error", "fatal"],
    "info",
    "Least severe log level written.",
  ),
  otel_exporter_otlp_endpoint: optionalTextSetting(
    "OpenTelemetry OTLP endpoint for traces and metrics; unset disables export.",
    { pattern: URL_PATTERN, type: "URL" },
  ),
  otel_service_name: textSetting("cml-fleet", "Service name reported to OpenTelemetry."),
  database_url: optionalTextSetting(
    "Postgres connection string; unset uses an embedded PGlite database under CML_FLEET_DATA_DIR (refused in production: every process would keep its own).",
    { pattern: URL_PATTERN, type: "URL", secret: true },
  ),
  cml_fleet_data_dir: textSetting(
    "./.data",
    "Directory of the embedded database (only when DATABASE_URL is unset).",
  ),
  redis_url: textSetting("redis://127.0.0.1:6379", "Redis for job queues and live updates.", {
    pattern: URL_PATTERN,
  }),
  redis_key_prefix: textSetting(
    "cml-fleet",
    "Prefix of every Redis key and queue, so several fleets (or tests) can share one Redis.",
  ),
  bootstrap_admin_token: optionalTextSetting(
    `When set, an ADMIN API token with this value exists (created or updated at start). At least ${MIN_PRODUCTION_TOKEN_LENGTH} characters in production.`,
    { secret: true },
  ),
  oidc_issuer: optionalTextSetting(
    "OIDC issuer URL; when set, bearer JWTs from this issuer are accepted besides API tokens.",
    {
      pattern: URL_PATTERN,
      type: "URL",
    },
  ),
  oidc_audience: optionalTextSetting("Audience that OIDC tokens must carry (required with OIDC_ISSUER)."),
  oidc_roles_claim: textSetting(
    "roles",
    "Claim of an OIDC token that lists the caller's roles (VIEWER, OPERATOR, ADMIN, USER); the highest ranked one wins, USER only when none of the others is there.",
  ),
  oidc_username_claim: textSetting(
    "email",
    "Claim of an OIDC token that names the caller: who the audit log says acted, and the owner a USER's workers must name. The token's sub when the claim is missing or not text.",
  ),
  oidc_groups_claim: optionalTextSetting(
    "Claim of an OIDC token listing the caller's groups (a string or a list); a worker owned by group:<name> is then every USER's in that group. Unset: no groups.",
  ),

  // --- cloud ---
  cloud_provider: enumSetting(
    ["sim", "aws"],
    "sim",
    "Which cloud the fleet drives: the bundled simulator or AWS. In production the simulator is refused unless CML_FLEET_ALLOW_SIMULATOR=true.",
  ),
  cml_fleet_allow_simulator: booleanSetting(
    false,
    "Lets NODE_ENV=production drive the simulator (CLOUD_PROVIDER=sim, e.g. a demo deployment); without it production refuses the simulator.",
  ),
  sim_url: optionalTextSetting(
    "Base URL of a simulator running as its own process; unset starts one in-process (all-in-one mode).",
    { pattern: URL_PATTERN, type: "URL" },
  ),
  sim_port: portSetting(4566, "Port of the simulator's EC2/CloudWatch/control API."),
  sim_cml_port: portSetting(8443, "Port on which the simulator serves each simulated worker's CML API."),
  aws_default_region: textSetting(
    "us-east-1",
    "Region asked the account-wide question at start (EC2 DescribeRegions: is every allowed region enabled?); must be in AWS_ALLOWED_REGIONS.",
    {
      pattern: REGION_PATTERN,
    },
  ),
  aws_allowed_regions: listSetting(
    ["us-east-1", "us-west-2", "eu-west-1"],
    "Regions in which workers may be created; each needs an AMI.",
    REGION_PATTERN,
  ),
  aws_accounts: mapSetting(
    accountEntry,
    { default: {} },
    "AWS accounts by key. An account without role_arn uses the process's own credentials; with role_arn (and optional external_id) the fleet assumes that role.",
    "JSON map: account key -> {role_arn, external_id}",
  ),
  aws_default_account: textSetting("default", "Key of AWS_ACCOUNTS used when a request names no account."),
  aws_pricing_region: enumSetting(
    ["us-east-1", "eu-central-1", "ap-south-1"],
    "us-east-1",
    "Region whose AWS Price List API endpoint prices the fleet (the API runs only in these); it prices every region.",
  ),
  aws_ec2_run_instances_bucket: integerSetting(
    1_000,
    "Size of the token bucket that paces the fleet's RunInstances calls, per account and region, shared by every job process (EC2's own RunInstances bucket: 1000). A launch that finds it empty waits for its token without holding a job slot.",
    { min: 1, max: 100_000 },
  ),
  aws_ec2_run_instances_refill: integerSetting(
    2,
    "RunInstances tokens added to that bucket per second (EC2 refills its own by 2 a second).",
    { min: 1, max: 10_000 },
  ),
  aws_ec2_mutating_bucket: integerSetting(
    200,
    "Size of the token bucket that paces StartInstances, StopInstances, TerminateInstances and RebootInstances per account and region (EC2's mutating-action bucket: 200); a start that finds it empty waits without holding a job slot, a stop or terminate waits in its job.",
    { min: 1, max: 100_000 },
  ),
  aws_ec2_mutating_refill: integerSetting(
    5,
    "Tokens added to the mutating bucket per second (EC2 refills its mutating bucket by 5 a second).",
    { min: 1, max: 10_000 },
  ),
  aws_ec2_non_mutating_bucket: integerSetting(
    100,
    "Size of the token bucket that paces the job process's DescribeInstances and DescribeInstanceStatus calls per account and region (EC2's non-mutating bucket: 100). Waiting workers' looks at EC2 are also coalesced into one DescribeInstances per region, so this bucket is rarely reached.",
    { min: 1, max: 100_000 },
  ),
  aws_ec2_non_mutating_refill: integerSetting(
    20,
    "Tokens added to the non-mutating bucket per second (EC2 refills its own by 20 a second).",
    { min: 1, max: 10_000 },
  ),

  // --- worker images, types, network ---
  cml_worker_ami_ids: mapSetting(
    z.string().regex(/^ami-[0-9a-zA-Z]+$/, "must look like ami-0123456789abcdef0"),
    {},
    "AMI id per region (shorthand for CML_WORKER_AMI_CONFIG).",
    "JSON map: region -> AMI id",
  ),
  cml_worker_ami_names: mapSetting(
    z.string().min(1),
    {},
    "AMI name per region, e.g. CML-2.7.0-Ubuntu-22.04; used to find the AMI when no id is given.",
    "JSON map: region -> AMI name",
  ),
  cml_worker_ami_config: mapSetting(
    amiEntry,
    {},
    "Full AMI description per region; wins over CML_WORKER_AMI_IDS / _NAMES where both are given.",
    "JSON map: region -> {ami_id, ami_name, cml_version}",
  ),
  cml_worker_default_instance_type: textSetting(
    "c5.2xlarge",
    "Instance type of a new worker when the request names none; must be allowed.",
    { pattern: INSTANCE_TYPE_PATTERN },
  ),
  cml_worker_allowed_instance_types: listSetting(
    ["t3.xlarge", "c5.2xlarge", "c5.4xlarge"],
    "Instance types a worker may be created with; each needs a price.",
    INSTANCE_TYPE_PATTERN,
  ),
  cml_worker_network_config: mapSetting(
    networkEntry,
    {},
    "Network per region; a region without an entry uses the default VPC.",
    "JSON map: region -> {vpc_id, subnet_id, security_group_ids, assign_public_ip}",
  ),
  cml_worker_detailed_monitoring: booleanSetting(
    false,
    "Launch workers with EC2 detailed monitoring (a CloudWatch datapoint a minute instead of every five). EC2 bills it: $2.10 per worker-month at list price (7 metrics at $0.30), and the sweep then asks CloudWatch every minute rather than every five for a worker whose CML does not give its CPU and memory. Off, the sweep reads CPU and memory from CML, which is fresher.",
  ),
  cml_worker_key_pairs: mapSetting(
    z.string().min(1),
    {},
    "EC2 key pair name per region for SSH access; a region without one launches without a key.",
    "JSON map: region -> key pair name",
  ),
  cml_worker_hourly_prices: mapSetting(
    price,
    {},
    "USD per hour by instance type, merged over the built-in on-demand prices (used for cost and savings).",
    "JSON map: instance type -> USD/hour",
  ),
  cml_worker_regional_hourly_prices: mapSetting(
    z.record(z.string(), price),
    {},
    'Per-region price overrides, e.g. {"eu-west-1": {"c5.2xlarge": 0.384}}.',
    "JSON map: region -> instance type -> USD/hour",
  ),
  ...cmlSettingsShape,
  ...notifySettingsShape,
  ...scheduleSettingsShape,
};
