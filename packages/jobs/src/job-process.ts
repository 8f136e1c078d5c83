import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createAwsCloudProvider } from "@cml-fleet/core/adapters/aws/create-aws-cloud-provider";
import { createEc2NetworkInspector } from "@cml-fleet/core/adapters/aws/ec2-network";
import { createAwsPricing } from "@cml-fleet/core/adapters/aws/pricing/create-aws-pricing";
import {
  createCmlClient,
  DEFAULT_CML_CONNECTIONS_PER_WORKER,
} from "@cml-fleet/core/adapters/cml/create-cml-client";
import { createHttpWebhookSender } from "@cml-fleet/core/adapters/webhook/http-webhook-sender";
import { hourlyRate } from "@cml-fleet/core/domain/cost";
import { systemClock } from "@cml-fleet/core/ports/clock.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { checkCloudAtStart } from "@cml-fleet/core/services/cloud-start-check";
import { createCmlCertificatePins } from "@cml-fleet/core/services/cml-certificate-pins";
import { checkLicensesAtStart } from "@cml-fleet/core/services/license-check-at-start";
import { createNotificationRelay } from "@cml-fleet/core/services/notification-relay.service";
import { realSleep } from "@cml-fleet/core/services/poll";
import { MAX_SCHEDULE_LEAD_MS } from "@cml-fleet/core/services/schedule-lead-time";
import { Slots } from "@cml-fleet/core/services/slots";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import type { Database } from "@cml-fleet/platform/db/database";
import { type Infrastructure, openInfrastructure } from "@cml-fleet/platform/infrastructure";
import { watchCmlClientLoad } from "@cml-fleet/platform/observability/cml-client-gauges";
import { createLogger } from "@cml-fleet/platform/observability/logger";
import type { Observability } from "@cml-fleet/platform/observability/observability";
import { createQueueGaugeRefresher, createQueueGauges } from "@cml-fleet/platform/observability/queue-gauges";
import { createQueueWaitTimes } from "@cml-fleet/platform/observability/queue-wait-times";
import { pricingRefreshConfig } from "@cml-fleet/platform/pricing/pricing-refresh-config";
import { createRedisPriceCache } from "@cml-fleet/platform/pricing/redis-price-cache";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { createBullmqJobLookup } from "@cml-fleet/platform/queue/bullmq-job-lookup";
import { createBullmqNotificationQueue } from "@cml-fleet/platform/queue/notification-queue";
import { redisPrefixes } from "@cml-fleet/platform/queue/queue-definitions";
import { createRedisCloudCallPacer } from "@cml-fleet/platform/redis/redis-cloud-call-pacer";
import { createRedisMonitoringUsage } from "@cml-fleet/platform/redis/redis-monitoring-usage";
import { createRedisPublishedMetricsLedger } from "@cml-fleet/platform/redis/redis-published-metrics-ledger";
import { createFleetMetricTotals } from "@cml-fleet/platform/repositories/fleet-metric-totals";
import { createNotificationRepository } from "@cml-fleet/platform/repositories/notification.repository";
import { createScheduleRepository } from "@cml-fleet/platform/repositories/schedule.repository";
import { createSnapshotRepository } from "@cml-fleet/platform/repositories/snapshot.repository";
import { createWorkerRepository } from "@cml-fleet/platform/repositories/worker.repository";
import { createWorkerOperationRepository } from "@cml-fleet/platform/repositories/worker-operation.repository";
import { Redis } from "ioredis";
import type { JobRuntimeConfig, JobWorkerDeps } from "./job-worker-deps";
import { startNotificationRelayLoop } from "./runtime/notification-relay-loop";
import { type RunningJobWorkers, startJobWorkers } from "./start-job-workers";

export interface JobProcessOptions {
  readonly settings: Settings;
  readonly logger?: Logger | undefined;
  /** Postgres schema of the tables (tests give each file its own). */
  readonly databaseSchema?: string | undefined;
  /** An open, migrated database to share (the all-in-one process: embedded PGlite allows one); not closed here. */
  readonly database?: Database | undefined;
  /** Overrides of the queue runtime (tests: short locks, no schedules, their own prefix). */
  readonly runtime?: Partial<JobRuntimeConfig> | undefined;
  /** Overrides of the service timings (tests: short polls). */
  readonly tune?: ((deps: JobWorkerDeps) => JobWorkerDeps) | undefined;
  readonly afterLaunch?: JobWorkerDeps["afterLaunch"];
  /** The process's metrics and tracer: job metrics and spans, AWS and CML call metrics and spans. */
  readonly observability?: Observability | undefined;
  /** Check the configured regions and networks against EC2 before taking jobs (default true). */
  readonly checkCloudAtStart?: boolean | undefined;
}

export interface RunningJobProcess {
  readonly workers: RunningJobWorkers;
  readonly deps: JobWorkerDeps;
  /**
   * Reads the queue gauges (depth per kind and state, oldest waiting job, sweeps, job processes) from
   * Redis into the observability's registry: before each scrape of the process's own /metrics and each
   * OTLP export. Does nothing without observability.
   */
  readonly refreshQueueGauges: () => Promise<void>;
  /** Workers first (active jobs finish or go back to the queue), then Redis, then the database. */
  close(): Promise<void>;
}

/**
 * How often prices and volume sizes are refreshed: volumes change with every
 * launch, so the job runs often; the Price List API is asked again only once
 * the cached prices are older than PRICE_MAX_AGE_MS (pricing-refresh-config).
 */
const PRICE_REFRESH_INTERVAL_MS = 15 * 60_000;

/** The simulator speaks the AWS wire protocols; only the endpoint and dummy credentials differ. */
function cloudEndpoint(settings: Settings): string | null {
  if (settings.cloud.provider !== "sim") {
    return null;
  }
  return settings.cloud.sim.url ?? `http://127.0.0.1:${settings.cloud.sim.port}`;
}

/**
 * The workers the process looks at at once, over all the shards it sweeps:
 * each look has at most DEFAULT_CML_CONNECTIONS_PER_WORKER requests in flight,
 * so this many fill the process's bound on CML requests in flight
 * (CML_REQUEST_CONCURRENCY) and no more. More would only queue for a request
 * slot while their deadline runs: healthy workers would count as unreachable.
 */
function looksAtOnce(requestsInFlight: number): number {
  return Math.max(1, Math.floor(requestsInFlight / DEFAULT_CML_CONNECTIONS_PER_WORKER));
}

/**
 * The job process's composition root: real adapters built from settings.
 * `pnpm start` (all-in-one) and the job process's own main both use it.
 */
export async function startJobProcess(options: JobProcessOptions): Promise<RunningJobProcess> {
  const { settings } = options;
  const logger = options.logger ?? createLogger({ level: settings.logLevel, name: "cml-fleet-jobs" });
  const prefixes = redisPrefixes(settings.redis.keyPrefix);

  const infrastructure = await openInfrastructure({
    settings,
    logger,
    connectionName: "cml-fleet-jobs",
    databaseSchema: options.databaseSchema,
    database: options.database,
  });
  const { database, publisher, jobQueue: producer } = infrastructure;

  const endpoint = cloudEndpoint(settings);
  const accounts = Object.fromEntries(
    Object.entries(settings.aws.accounts).map(([key, account]) => [
      key,
      { roleArn: account.roleArn ?? undefined, externalId: account.externalId ?? undefined },
    ]),
  );
  accounts[settings.aws.defaultAccount] ??= { roleArn: undefined, externalId: undefined };
  const cloud = createAwsCloudProvider({
    accounts,
    endpoints: endpoint === null ? undefined : { ec2: endpoint, cloudwatch: endpoint, sts: endpoint },
    staticCredentials: endpoint === null ? undefined : { accessKeyId: "sim", secretAccessKey: "sim" },
    logger,
    observer: options.observability?.callObserver,
    // Billable CloudWatch units counted per hour in Redis: fleetSummary's monitoringCost projects a month from them.
    monitoringUsage: createRedisMonitoringUsage(infrastructure.redis.commands, prefixes.keys),
  });
  if (options.checkCloudAtStart !== false) {
    // A region the account has not enabled, or a subnet outside its vpc_id, is
    // named now rather than as a failed launch later.
    await checkCloudAtStart(createEc2NetworkInspector(cloud.clients), {
      accounts: Object.keys(accounts),
      defaultRegion: settings.aws.defaultRegion,
      allowedRegions: settings.aws.allowedRegions,
      networks: settings.worker.networks,
    }).catch(async (error: unknown) => {
      cloud.close();
      await infrastructure.close();
      throw error;
    });
  }
  const pricing = createAwsPricing({
    pricingRegion: settings.pricing.apiRegion,
    accounts,
    staticCredentials: endpoint === null ? undefined : { accessKeyId: "sim", secretAccessKey: "sim" },
    endpoints: endpoint === null ? undefined : { pricing: endpoint, ec2: endpoint, sts: endpoint },
  });
  const workerRepository = createWorkerRepository(database.db);
  const cml = createCmlClient({
    username: settings.cml.username,
    password: settings.cml.password,
    tls: {
      verify: settings.cml.tlsVerify,
      caBundle:
        settings.cml.caBundlePath === null ? undefined : readFileSync(settings.cml.caBundlePath, "utf8"),
    },
    // Each worker's certificate is pinned with it on first contact, and held to afterwards.
    certificatePins: createCmlCertificatePins({
      workers: workerRepository,
      publisher,
      clock: systemClock,
      logger,
    }),
    requestTimeoutMs: settings.cml.requestTimeoutMs,
    logger,
    // One bound on the requests in flight for the whole process, whatever asks (sweeps, refreshes, provisions).
    requestsInFlight: settings.cml.concurrency,
    // Kept a little longer than a sweep period, so each sweep reuses the connections (and TLS) of the last.
    idleConnectionTimeoutMs: settings.telemetry.collectionIntervalMs + 30_000,
    observer: options.observability?.callObserver,
    // A sign-in made by one job process serves the others: a shard swept elsewhere next time needs no new login.
    sessionStore: infrastructure.cmlSessions,
  });
  if (options.observability !== undefined) {
    watchCmlClientLoad(options.observability.metrics.registry, () => cml.load());
  }

  const notifications = createNotificationRepository(database.db);
  const interval = settings.telemetry.collectionIntervalMs;
  const pollMaxMs = settings.cml.healthCheckIntervalMs;
  const base: JobWorkerDeps = {
    workers: workerRepository,
    publisher,
    cloud,
    snapshots: createSnapshotRepository(database.db),
    snapshotRetention: settings.snapshots,
    cml,
    clock: systemClock,
    sleep: realSleep,
    logger,
    jobs: producer,
    operations: createWorkerOperationRepository(database.db),
    jobLookup: createBullmqJobLookup(infrastructure.redis.commands, prefixes.bullmq),
    convergence: { graceMs: settings.jobs.convergenceIntervalMs },
    newId: randomUUID,
    readiness: {
      cmlApiPort: settings.cml.apiPort,
      bootTimeoutMs: settings.jobs.provisioningTimeoutMs,
      cmlReadyTimeoutMs: settings.cml.startupTimeoutMs,
      pollInitialMs: Math.min(1_000, pollMaxMs),
      pollMaxMs,
    },
    licenseRegistration: {
      pollIntervalMs: Math.min(5_000, pollMaxMs),
      timeoutMs: settings.license.registrationTimeoutMs,
    },
    licenseToken: settings.license.token,
    licenseTokens: infrastructure.licenseTokens,
    placement: (worker) => {
      const network = settings.worker.networks[worker.region];
      return {
        subnetId: network?.subnetId ?? undefined,
        securityGroupIds: network?.securityGroupIds,
        assignPublicIp: network?.assignPublicIp,
        keyName: settings.worker.keyPairs[worker.region],
        detailedMonitoring: settings.worker.detailedMonitoring,
      };
    },
    // One set of look slots for the process: the shards it sweeps at once share them (TELEMETRY_SHARDS_AT_ONCE).
    lookSlots: new Slots(looksAtOnce(settings.cml.concurrency)),
    sweep: {
      cmlApiPort: settings.cml.apiPort,
      cmlConcurrency: looksAtOnce(settings.cml.concurrency),
      perWorkerTimeoutMs: settings.cml.requestTimeoutMs * 2,
      metricWindowMs: 10 * 60_000,
      metricPeriodSeconds: 60,
      retentionMs: settings.telemetry.retentionMs,
      shardSize: settings.telemetry.shardSize,
      licenseReadIntervalMs: settings.license.readIntervalMs,
    },
    idle: {
      policy: settings.idle,
      dryRun: settings.idle.dryRun,
      hourlyRate: (worker) => hourlyRate(settings.pricing, worker.instanceType, worker.region),
      recentSamples: 30,
    },
    schedules: createScheduleRepository(database.db),
    scheduleLead: {
      defaultLeadMs: settings.schedules.defaultLeadMs,
      maxLeadMs: MAX_SCHEDULE_LEAD_MS,
      historySamples: 20,
      slackMs: settings.schedules.evaluationIntervalMs,
    },
    impairedReboot: {
      enabled: settings.statusChecks.rebootOnImpaired,
      sweepsBeforeReboot: settings.statusChecks.impairedSweepsBeforeReboot,
    },
    notifications: {
      store: notifications,
      sender: createHttpWebhookSender({ timeoutMs: settings.notify.deliveryTimeoutMs }),
      allowHttp: settings.notify.allowHttp,
    },
    reconciliation: {
      targets: Object.keys(accounts).flatMap((accountId) =>
        settings.aws.allowedRegions.map((region) => ({ accountId, region })),
      ),
      autoImport: settings.reconciliation.autoImportOrphans,
      cmlApiPort: settings.cml.apiPort,
    },
    pricing: {
      priceList: pricing.priceList,
      volumes: pricing.volumes,
      cache: createRedisPriceCache(infrastructure.redis.commands, prefixes.keys),
      config: pricingRefreshConfig(settings),
    },
    runtime: {
      redisUrl: settings.redis.url,
      prefix: prefixes.bullmq,
      concurrency: 10,
      lockDurationMs: 30_000,
      stalledIntervalMs: 30_000,
      workerLockTtlMs: 30_000,
      busyRetryDelayMs: 2_000,
      heartbeatIntervalMs: 5_000,
      shutdownGraceMs: 20_000,
      timeouts: {
        jobTimeoutMs: settings.jobs.timeoutMs,
        provisioningTimeoutMs: settings.jobs.provisioningTimeoutMs,
      },
      schedules: {
        telemetrySweepMs: interval,
        idleCheckMs: interval,
        scheduleEvaluationMs: settings.schedules.evaluationIntervalMs,
        reconcileMs: Math.max(interval * 5, 60_000),
        priceRefreshMs: PRICE_REFRESH_INTERVAL_MS,
        convergeMs: settings.jobs.convergenceIntervalMs,
      },
      ...options.runtime,
    },
    // EC2 calls paced per account, region and call kind across every job process (AWS_EC2_*_BUCKET).
    customMetricsPublishing: {
      config: settings.telemetry.customMetrics,
      totals: createFleetMetricTotals(database.db),
      ledger: createRedisPublishedMetricsLedger(infrastructure.redis.commands, prefixes.keys),
    },
    cloudPacer: createRedisCloudCallPacer(
      infrastructure.redis.commands,
      prefixes.keys,
      settings.aws.callPacing,
    ),
    afterLaunch: options.afterLaunch,
    telemetry:
      options.observability === undefined
        ? undefined
        : {
            metrics: options.observability.metrics,
            tracer: options.observability.tracer,
            logger,
            waitTimes: createQueueWaitTimes(options.observability.metrics.registry),
          },
  };
  const deps = options.tune === undefined ? base : options.tune(base);
  const workers = await startJobWorkers(deps);
  const relay = startNotifications(deps, settings, infrastructure.pubsub, logger);
  if (settings.license.checkOnStartup) {
    await checkLicensesAtStart({ workers: workerRepository, jobs: producer, logger });
  }

  const observability = options.observability;
  const refreshQueueGauges =
    observability === undefined
      ? async () => {}
      : createQueueGaugeRefresher({
          redis: infrastructure.redis.commands,
          bullmqPrefix: deps.runtime.prefix,
          keysPrefix: redisPrefixes(deps.runtime.prefix).keys,
          gauges: createQueueGauges(observability.metrics.registry),
          logger,
        });

  return {
    workers,
    deps,
    refreshQueueGauges,
    async close() {
      await relay.close();
      await workers.close();
      await infrastructure.close();
      cloud.close();
      cml.close();
      pricing.close();
    },
  };
}

/**
 * The notification relay of this process (when it serves the notify queue):
 * a pass every NOTIFY_RELAY_INTERVAL, and one at once for each fleet event
 * published, so a warning goes out seconds, not a whole interval, after it is written.
 */
function startNotifications(
  deps: JobWorkerDeps,
  settings: Settings,
  pubsub: Infrastructure["pubsub"],
  logger: Logger,
): { close(): Promise<void> } {
  if (deps.runtime.kinds !== undefined && !deps.runtime.kinds.includes("notify")) {
    return { close: async () => {} };
  }
  // Fails fast while Redis is down (the deliveries stay pending in Postgres), instead of queueing offline.
  const connection = new Redis(deps.runtime.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: "cml-fleet-notify-relay",
  });
  connection.on("error", (error) => logger.warn({ err: error }, "notification relay Redis connection error"));
  const queue = createBullmqNotificationQueue({
    connection,
    prefix: deps.runtime.prefix,
    retry: settings.notify.retry,
  });
  const loop = startNotificationRelayLoop(
    createNotificationRelay({ store: deps.notifications.store, queue, clock: deps.clock }),
    { intervalMs: settings.notify.relayIntervalMs, logger },
  );
  const unlisten = pubsub.listen(TOPICS.fleetEvent, () => loop.nudge());
  return {
    async close() {
      unlisten();
      await loop.stop();
      await queue.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
