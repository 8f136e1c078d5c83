import type { z } from "zod";
import { DEFAULT_HOURLY_PRICES_USD } from "./default-prices";
import type { settingsShape } from "./settings-shape";

/** The settings as parsed, keyed like the file (lower-cased environment names). */
export type RawSettings = z.output<z.ZodObject<typeof settingsShape>>;

export interface WorkerImage {
  /** Null when only a name is configured: provisioning looks the id up by name. */
  readonly amiId: string | null;
  readonly amiName: string | null;
  readonly cmlVersion: string | null;
}

/**
 * One AMI description per region, merged from CML_WORKER_AMI_CONFIG (wins)
 * and the CML_WORKER_AMI_IDS / CML_WORKER_AMI_NAMES shorthands.
 */
export function resolveImages(raw: RawSettings): Record<string, WorkerImage> {
  const regions = new Set([
    ...Object.keys(raw.cml_worker_ami_config),
    ...Object.keys(raw.cml_worker_ami_ids),
    ...Object.keys(raw.cml_worker_ami_names),
  ]);
  const images: Record<string, WorkerImage> = {};
  for (const region of [...regions].sort()) {
    const full = raw.cml_worker_ami_config[region];
    images[region] = {
      amiId: full?.ami_id ?? raw.cml_worker_ami_ids[region] ?? null,
      amiName: full?.ami_name ?? raw.cml_worker_ami_names[region] ?? null,
      cmlVersion: full?.cml_version ?? null,
    };
  }
  return images;
}

/** The built-in prices with the operator's per-type prices laid over them. */
export function resolvePrices(raw: RawSettings): Record<string, number> {
  return { ...DEFAULT_HOURLY_PRICES_USD, ...raw.cml_worker_hourly_prices };
}

/** Turns the flat, file-shaped settings into the grouped object the code uses. */
export function toSettingsModel(raw: RawSettings) {
  return {
    nodeEnv: raw.node_env,
    port: raw.port,
    jobsMetricsPort: raw.jobs_metrics_port,
    corsOrigins: raw.cors_origins,
    edge: {
      introspection: raw.graphql_introspection ?? raw.node_env !== "production",
      graphiql: raw.graphiql ?? raw.node_env === "development",
      rateLimit: { perMinute: raw.rate_limit_per_minute, burst: raw.rate_limit_burst },
      metricsPort: raw.metrics_port,
      metricsToken: raw.metrics_token,
      wsMaxBufferedBytes: raw.ws_max_buffered_bytes,
    },
    logLevel: raw.log_level,
    otel: { endpoint: raw.otel_exporter_otlp_endpoint, serviceName: raw.otel_service_name },
    database: { url: raw.database_url, dataDir: raw.cml_fleet_data_dir },
    redis: { url: raw.redis_url, keyPrefix: raw.redis_key_prefix },
    auth: {
      bootstrapAdminToken: raw.bootstrap_admin_token,
      oidc:
        raw.oidc_issuer === null
          ? null
          : {
              issuer: raw.oidc_issuer,
              audience: raw.oidc_audience,
              rolesClaim: raw.oidc_roles_claim,
              usernameClaim: raw.oidc_username_claim,
              groupsClaim: raw.oidc_groups_claim,
            },
    },
    cloud: {
      provider: raw.cloud_provider,
      sim: { url: raw.sim_url, port: raw.sim_port, cmlPort: raw.sim_cml_port },
    },
    aws: {
      defaultRegion: raw.aws_default_region,
      allowedRegions: raw.aws_allowed_regions,
      defaultAccount: raw.aws_default_account,
      accounts: mapValues(raw.aws_accounts, (account) => ({
        roleArn: account.role_arn ?? null,
        externalId: account.external_id ?? null,
      })),
      /** The fleet's own pacing of its EC2 calls (token buckets in Redis), per account and region. */
      callPacing: {
        "run-instances": {
          capacity: raw.aws_ec2_run_instances_bucket,
          refillPerSecond: raw.aws_ec2_run_instances_refill,
        },
        mutating: { capacity: raw.aws_ec2_mutating_bucket, refillPerSecond: raw.aws_ec2_mutating_refill },
        "non-mutating": {
          capacity: raw.aws_ec2_non_mutating_bucket,
          refillPerSecond: raw.aws_ec2_non_mutating_refill,
        },
      },
    },
    worker: {
      images: resolveImages(raw),
      defaultInstanceType: raw.cml_worker_default_instance_type,
      allowedInstanceTypes: raw.cml_worker_allowed_instance_types,
      networks: mapValues(raw.cml_worker_network_config, (network) => ({
        vpcId: network.vpc_id ?? null,
        subnetId: network.subnet_id ?? null,
        securityGroupIds: network.security_group_ids ?? [],
        assignPublicIp: network.assign_public_ip,
      })),
      keyPairs: raw.cml_worker_key_pairs,
      detailedMonitoring: raw.cml_worker_detailed_monitoring,
    },
    pricing: {
      hourlyUsd: resolvePrices(raw),
      regionalHourlyUsd: raw.cml_worker_regional_hourly_prices,
      /** The operator's prices alone: they win over the Price List API's, which win over the built-in table. */
      configured: {
        hourlyUsd: raw.cml_worker_hourly_prices,
        regionalHourlyUsd: raw.cml_worker_regional_hourly_prices,
      },
      apiRegion: raw.aws_pricing_region,
    },
    cml: {
      httpsPort: raw.cml_https_port,
      apiPort: raw.cml_api_port,
      healthCheckIntervalMs: raw.cml_health_check_interval,
      startupTimeoutMs: raw.cml_startup_timeout,
      username: raw.cml_username,
      password: raw.cml_password,
      tlsVerify: raw.cml_tls_verify,
      caBundlePath: raw.cml_ca_bundle,
      requestTimeoutMs: raw.cml_request_timeout,
      concurrency: raw.cml_request_concurrency,
    },
    license: {
      token: raw.cml_license_token,
      checkOnStartup: raw.cml_license_check_on_startup,
      registrationTimeoutMs: raw.cml_license_registration_timeout,
      readIntervalMs: raw.cml_license_read_interval,
    },
    idle: {
      autoShutdownEnabled: raw.cml_worker_auto_shutdown_enabled,
      thresholdMs: raw.cml_worker_idle_threshold,
      warningAfterMs: raw.cml_worker_max_idle_before_warning,
      snoozeAfterStartMs: raw.cml_worker_idle_snooze_after_start,
      minUptimeMs: raw.cml_worker_idle_min_uptime,
      staleTelemetryMs: raw.cml_worker_idle_stale_telemetry_age,
      cpuVetoPercent: raw.cml_worker_idle_cpu_veto_percent,
      dryRun: raw.cml_worker_idle_dry_run,
    },
    telemetry: {
      collectionIntervalMs: raw.cml_worker_telemetry_collection_interval,
      retentionMs: raw.cml_telemetry_retention,
      customMetrics: {
        enabled: raw.cml_custom_metrics_enabled,
        namespace: raw.cml_custom_metrics_namespace,
        periodMs: raw.cml_custom_metrics_period,
        perWorker: raw.cml_custom_metrics_per_worker,
      },
      shardSize: raw.cml_sweep_shard_size,
    },
    statusChecks: {
      rebootOnImpaired: raw.cml_worker_reboot_on_impaired,
      impairedSweepsBeforeReboot: raw.cml_worker_impaired_sweeps_before_reboot,
    },
    reconciliation: { autoImportOrphans: raw.cml_worker_auto_import_orphans },
    snapshots: { keepPerWorker: raw.cml_snapshot_keep === 0 ? null : raw.cml_snapshot_keep },
    jobs: {
      provisioningTimeoutMs: raw.cml_provisioning_timeout,
      timeoutMs: raw.cml_job_timeout,
      attempts: raw.cml_job_attempts,
      convergenceIntervalMs: raw.cml_convergence_interval,
    },
    notify: {
      allowHttp: raw.notify_allow_http,
      deliveryTimeoutMs: raw.notify_delivery_timeout,
      retry: { attempts: raw.notify_attempts, backoffMs: raw.notify_retry_backoff },
      relayIntervalMs: raw.notify_relay_interval,
    },
    schedules: {
      evaluationIntervalMs: raw.cml_schedule_evaluation_interval,
      defaultLeadMs: Math.min(raw.cml_schedule_default_lead, 2 * 3_600_000),
    },
  };
}

function mapValues<A, B>(record: Readonly<Record<string, A>>, map: (value: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}
