import { randomUUID } from "node:crypto";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import { systemClock } from "@cml-fleet/core/ports/clock.port";
import { createJobCommandService } from "@cml-fleet/core/services/job-commands.service";
import { createLabCommandService } from "@cml-fleet/core/services/lab-commands.service";
import { createNotificationChannelService } from "@cml-fleet/core/services/notification-channel.service";
import { createPriceBookReader } from "@cml-fleet/core/services/price-book-reader";
import { createScheduleService } from "@cml-fleet/core/services/schedule.service";
import { MAX_SCHEDULE_LEAD_MS } from "@cml-fleet/core/services/schedule-lead-time";
import { createWorkerCommandService } from "@cml-fleet/core/services/worker-commands.service";
import { createWorkerImportService } from "@cml-fleet/core/services/worker-import.service";
import { createWorkerSettingsService } from "@cml-fleet/core/services/worker-settings.service";
import { createWorkerTrustService } from "@cml-fleet/core/services/worker-trust.service";
import type { Database } from "@cml-fleet/platform/db/database";
import { type InfrastructureOptions, openInfrastructure } from "@cml-fleet/platform/infrastructure";
import type { Observability } from "@cml-fleet/platform/observability/observability";
import { PRICE_READ_MAX_AGE_MS } from "@cml-fleet/platform/pricing/pricing-refresh-config";
import { createRedisPriceCache } from "@cml-fleet/platform/pricing/redis-price-cache";
import { readSchedulePresence } from "@cml-fleet/platform/queue/job-worker-health";
import { redisPrefixes } from "@cml-fleet/platform/queue/queue-definitions";
import { createQueueInspector } from "@cml-fleet/platform/queue/queue-inspector";
import type { RedisConnections } from "@cml-fleet/platform/redis/redis-connections";
import { createRedisMonitoringUsage } from "@cml-fleet/platform/redis/redis-monitoring-usage";
import { createApiTokenRepository } from "@cml-fleet/platform/repositories/api-token.repository";
import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { createNotificationRepository } from "@cml-fleet/platform/repositories/notification.repository";
import { createScheduleRepository } from "@cml-fleet/platform/repositories/schedule.repository";
import { createSnapshotRepository } from "@cml-fleet/platform/repositories/snapshot.repository";
import { createWorkerRepository } from "@cml-fleet/platform/repositories/worker.repository";
import { createLiveCredentials } from "./auth/live-credentials";
import { createOidcVerifier } from "./auth/oidc-verifier";
import { createFleetSummaryCache } from "./graphql/fleet-summary-cache";
import type { FleetSummaryShape } from "./graphql/schema/fleet-summary";
import { edgeOptionsFrom } from "./http/edge-options";
import { createScheduleReadiness } from "./http/schedule-readiness";
import type { ApiServerDeps } from "./http/server";
import { createApiObservability } from "./observability/api-observability";
import { createApiTokenService } from "./services/api-token.service";

/** The infrastructure options (settings, logger, a test's schema, database or job queue), and the API's own. */
export interface ApiAppOptions extends Omit<InfrastructureOptions, "connectionName"> {
  readonly clock?: Clock;
  /** The process's metrics and tracer; the API adds its GraphQL plugin and /metrics. */
  readonly observability?: Observability | undefined;
  /** How long importWorkers waits for its job; defaults to the job timeout. */
  readonly importWaitMs?: number;
  /** How often live connections' credentials are checked again; defaults to LIVE_CONNECTION_LIMITS'. */
  readonly credentialRecheckMs?: number;
}

export interface ApiApp {
  readonly deps: ApiServerDeps;
  readonly database: Database;
  readonly redis: RedisConnections;
  /** Closes Redis, the queue and the database: call after the server has closed. */
  close(): Promise<void>;
}

/** The composition root of the API process: every dependency is built here and nowhere else. */
export async function createApiApp(options: ApiAppOptions): Promise<ApiApp> {
  const { settings, logger } = options;
  const clock = options.clock ?? systemClock;
  const infrastructure = await openInfrastructure({ ...options, connectionName: "cml-fleet-api" });
  const { database, redis, pubsub, publisher, jobQueue: jobs } = infrastructure;

  const workers = createWorkerRepository(database.db);
  const tokens = createApiTokenRepository(database.db);
  const audit = createAuditRepository(database.db);
  const schedules = createScheduleRepository(database.db);
  const snapshots = createSnapshotRepository(database.db);
  const workerDeps = { workers, jobs, publisher, clock, settings, logger };
  // Costs read the prices the price-refresh job cached; a request never calls the Price List API.
  const prices = createPriceBookReader({
    cache: createRedisPriceCache(redis.commands, redisPrefixes(settings.redis.keyPrefix).keys),
    configured: settings.pricing.configured,
    clock,
    logger,
    maxAgeMs: PRICE_READ_MAX_AGE_MS,
  });
  // Sockets and streams by credential, ended when any replica revokes it (closed before the pub/sub is drained).
  const live = createLiveCredentials({ pubsub, clock, logger, recheckEveryMs: options.credentialRecheckMs });
  const apiTokens = createApiTokenService({ tokens, audit, clock, logger, live });
  if (settings.auth.bootstrapAdminToken !== null) {
    await apiTokens.ensureBootstrapToken(settings.auth.bootstrapAdminToken);
  }
  const oidc = settings.auth.oidc;
  // fleetSummary answers, reused for a second and forgotten on every fleet event (closed before the pub/sub).
  const fleetSummaries = createFleetSummaryCache<FleetSummaryShape>(pubsub);
  // The ADMIN queue view's window on BullMQ (/admin/queues); it connects on first use.
  const queues = createQueueInspector({
    redisUrl: settings.redis.url,
    prefix: redisPrefixes(settings.redis.keyPrefix).bullmq,
    logger,
  });

  // cml_fleet_job_schedule_present{kind} reads the schedules at scrape time (one Redis round trip).
  options.observability?.metrics.watchSchedules(() =>
    readSchedulePresence(redis.commands, redisPrefixes(settings.redis.keyPrefix).bullmq),
  );

  const deps: ApiServerDeps = {
    logger,
    audit,
    pubsub,
    authentication: {
      tokens,
      clock,
      live,
      oidc:
        oidc === null || oidc.audience === null
          ? null
          : createOidcVerifier({
              issuer: oidc.issuer,
              audience: oidc.audience,
              rolesClaim: oidc.rolesClaim,
              usernameClaim: oidc.usernameClaim,
              groupsClaim: oidc.groupsClaim,
              jwksUrl: null,
            }),
    },
    services: {
      workerCommands: createWorkerCommandService({
        ...workerDeps,
        licenseTokens: infrastructure.licenseTokens,
        newId: randomUUID,
        snapshots,
        schedules,
      }),
      workerSettings: createWorkerSettingsService(workerDeps),
      workerTrust: createWorkerTrustService(workerDeps),
      workerImport: createWorkerImportService({
        workers: workerDeps.workers,
        jobs,
        audit,
        clock,
        settings,
        importWaitMs: options.importWaitMs ?? settings.jobs.timeoutMs,
      }),
      apiTokens,
      jobCommands: createJobCommandService({ ...workerDeps, audit }),
      labCommands: createLabCommandService(workerDeps),
      notificationChannels: createNotificationChannelService({
        store: createNotificationRepository(database.db),
        jobs,
        // The job's POST is bounded by NOTIFY_DELIVERY_TIMEOUT; the rest is the queue's own latency.
        testWaitMs: settings.notify.deliveryTimeoutMs + 10_000,
        audit,
        clock,
        newId: randomUUID,
        allowHttp: settings.notify.allowHttp,
      }),
      schedules: createScheduleService({ ...workerDeps, schedules, newId: randomUUID }),
    },
    reads: {
      workers,
      jobs,
      settings,
      clock,
      audit,
      prices,
      snapshots,
      schedules,
      scheduleLead: {
        defaultLeadMs: settings.schedules.defaultLeadMs,
        maxLeadMs: MAX_SCHEDULE_LEAD_MS,
        historySamples: 20,
        slackMs: settings.schedules.evaluationIntervalMs,
      },
      // The job processes count; the API projects at its clock, which tests hold still.
      monitoringUsage: createRedisMonitoringUsage(
        redis.commands,
        redisPrefixes(settings.redis.keyPrefix).keys,
        {
          now: () => clock.now().getTime(),
        },
      ),
      fleetSummaries,
    },
    readiness: {
      postgres: () => database.ping(),
      redis: () => redis.ping(),
      // The sweeps' schedules (telemetry, idle auto-stop, reconciliation ...): see schedule-readiness.ts.
      schedules: createScheduleReadiness({
        redis: redis.commands,
        bullmqPrefix: redisPrefixes(settings.redis.keyPrefix).bullmq,
        keysPrefix: redisPrefixes(settings.redis.keyPrefix).keys,
      }),
    },
    edge: edgeOptionsFrom(settings),
    queues,
    observability:
      options.observability &&
      createApiObservability(options.observability, {
        readModel: workers,
        prices,
        logger,
        queues: {
          redis: redis.commands,
          bullmqPrefix: redisPrefixes(settings.redis.keyPrefix).bullmq,
          keysPrefix: redisPrefixes(settings.redis.keyPrefix).keys,
        },
      }),
  };

  return {
    deps,
    database,
    redis,
    close: async () => {
      live.close();
      fleetSummaries.close();
      await queues.close();
      await infrastructure.close();
    },
  };
}
