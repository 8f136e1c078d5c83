import type { Clock } from "@cml-fleet/core/ports/clock.port";
import { systemClock } from "@cml-fleet/core/ports/clock.port";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import { createOidcVerifier } from "./auth/oidc-verifier";
import type { Database } from "./db/database";
import { openMigratedDatabase } from "./db/open-migrated-database";
import type { ApiServerDeps } from "./http/server";
import { openRedisConnections, type RedisConnections } from "./infra/redis";
import { createRedisLicenseTokenVault } from "./infra/redis-license-token-vault";
import { createApiObservability, type Observability } from "./observability/observability";
import { createFleetPubSub } from "./pubsub/fleet-pubsub";
import { createRedisEventPublisher } from "./pubsub/redis-event-publisher";
import { createBullmqJobQueue } from "./queue/bullmq-job-queue";
import { redisPrefixes } from "./queue/queue-definitions";
import { createApiTokenRepository } from "./repositories/api-token.repository";
import { createAuditRepository } from "./repositories/audit.repository";
import { createWorkerRepository } from "./repositories/worker.repository";
import { createApiTokenService } from "./services/api-token.service";
import { createJobCommandService } from "./services/job-commands.service";
import { createWorkerCommandService } from "./services/worker-commands.service";
import { createWorkerImportService } from "./services/worker-import.service";
import { createWorkerSettingsService } from "./services/worker-settings.service";

const PUBSUB_DRAIN_TIMEOUT_MS = 2_000;

export interface ApiAppOptions {
  readonly settings: Settings;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Postgres schema of the tables (tests use their own). */
  readonly databaseSchema?: string;
  /** An open, migrated database to use instead of opening one (tests count its statements); not closed here. */
  readonly database?: Database;
  /** Replaces the BullMQ producer (tests that look at what was queued). */
  readonly jobs?: JobQueue;
  /** The process's metrics and tracer; the API adds its GraphQL plugin and /metrics. */
  readonly observability?: Observability | undefined;
  /** How long importWorkers waits for its job; defaults to the job timeout. */
  readonly importWaitMs?: number;
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
  const prefixes = redisPrefixes(settings.redis.keyPrefix);

  const database = options.database ?? (await openMigratedDatabase(settings, logger, options.databaseSchema));
  const redis = openRedisConnections(settings.redis.url, "cml-fleet-api");
  redis.commands.on("error", (error) => logger.warn({ err: error }, "redis error"));
  redis.subscriber.on("error", (error) => logger.warn({ err: error }, "redis subscriber error"));

  const pubsub = createFleetPubSub({
    publishClient: redis.commands,
    subscribeClient: redis.subscriber,
    keyPrefix: prefixes.keys,
    logger,
  });
  const publisher = createRedisEventPublisher(pubsub);
  const bullmq =
    options.jobs === undefined
      ? createBullmqJobQueue({
          redisUrl: settings.redis.url,
          prefix: prefixes.bullmq,
          retry: { attempts: settings.jobs.attempts, backoffMs: 2_000 },
          publisher,
          logger,
        })
      : null;
  const jobs = options.jobs ?? bullmq;
  if (jobs === null) {
    throw new Error("unreachable: a job queue is always built");
  }

  const workers = createWorkerRepository(database.db);
  const tokens = createApiTokenRepository(database.db);
  const audit = createAuditRepository(database.db);
  const workerDeps = { workers, jobs, publisher, clock, settings };
  const apiTokens = createApiTokenService({ tokens, audit, clock });
  if (settings.auth.bootstrapAdminToken !== null) {
    await apiTokens.ensureBootstrapToken(settings.auth.bootstrapAdminToken);
  }
  const oidc = settings.auth.oidc;

  const deps: ApiServerDeps = {
    logger,
    audit,
    pubsub,
    authentication: {
      tokens,
      clock,
      oidc:
        oidc === null || oidc.audience === null
          ? null
          : createOidcVerifier({
              issuer: oidc.issuer,
              audience: oidc.audience,
              rolesClaim: oidc.rolesClaim,
              jwksUrl: null,
            }),
    },
    services: {
      workerCommands: createWorkerCommandService({
        ...workerDeps,
        licenseTokens: createRedisLicenseTokenVault(redis.commands, prefixes.keys),
      }),
      workerSettings: createWorkerSettingsService(workerDeps),
      workerImport: createWorkerImportService({
        workers: workerDeps.workers,
        jobs,
        audit,
        clock,
        settings,
        importWaitMs: options.importWaitMs ?? settings.jobs.timeoutMs,
      }),
      apiTokens,
      jobCommands: createJobCommandService({ jobs, audit, clock }),
    },
    reads: { workers, jobs, settings, clock },
    readiness: {
      postgres: () => database.ping(),
      redis: () => redis.ping(),
    },
    graphiql: settings.nodeEnv === "development",
    observability:
      options.observability &&
      createApiObservability(options.observability, { readModel: workers, prices: settings.pricing, logger }),
  };

  let closing: Promise<void> | null = null;
  return {
    deps,
    database,
    redis,
    close() {
      closing ??= (async () => {
        // Subscriptions end a moment after the server closes; their UNSUBSCRIBEs must reach Redis before QUIT.
        await pubsub.drained(PUBSUB_DRAIN_TIMEOUT_MS);
        await bullmq?.close();
        await redis.close();
        if (options.database === undefined) {
          await database.close();
        }
      })();
      return closing;
    },
  };
}
