import type { CmlSessionStore } from "@cml-fleet/core/ports/cml-session-store.port";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import type { LicenseTokenVault } from "@cml-fleet/core/ports/license-token-vault.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import type { Database } from "./db/database";
import { openMigratedDatabase } from "./db/open-migrated-database";
import { createFleetPubSub, type FleetPubSub } from "./pubsub/fleet-pubsub";
import { createRedisEventPublisher } from "./pubsub/redis-event-publisher";
import { createBullmqJobQueue } from "./queue/bullmq-job-queue";
import { redisPrefixes } from "./queue/queue-definitions";
import { createRedisCmlSessionStore } from "./redis/redis-cml-session-store";
import { openRedisConnections, type RedisConnections } from "./redis/redis-connections";
import { createRedisLicenseTokenVault } from "./redis/redis-license-token-vault";

/** How long closing waits for local subscribers to go, so their UNSUBSCRIBEs reach Redis before QUIT. */
const PUBSUB_DRAIN_TIMEOUT_MS = 2_000;
const JOB_RETRY_BACKOFF_MS = 2_000;

export interface InfrastructureOptions {
  readonly settings: Settings;
  readonly logger: Logger;
  /** Names the process's Redis connections (`CLIENT LIST` shows it). */
  readonly connectionName: string;
  /** Postgres schema of the tables (tests give each file its own). */
  readonly databaseSchema?: string | undefined;
  /** An open, migrated database to share (embedded PGlite allows one per process); not closed here. */
  readonly database?: Database | undefined;
  /** Replaces the BullMQ producer (tests that look at what was queued); not closed here. */
  readonly jobQueue?: JobQueue | undefined;
}

/**
 * The shared infrastructure every entry point stands on: the migrated
 * database, Redis (commands and a subscriber), the fleet's pub/sub stream and
 * the event publisher on it, the BullMQ producer, and the license-token vault.
 */
export interface Infrastructure {
  readonly database: Database;
  readonly redis: RedisConnections;
  readonly pubsub: FleetPubSub;
  readonly publisher: EventPublisher;
  readonly jobQueue: JobQueue;
  readonly licenseTokens: LicenseTokenVault;
  /** The job processes' shared CML sign-ins (see redis-cml-session-store.ts). */
  readonly cmlSessions: CmlSessionStore;
  /** Pub/sub drained, then the producer, Redis and (when opened here) the database. Idempotent. */
  close(): Promise<void>;
}

/** Opens the shared infrastructure from settings; the one way every process gets it. */
export async function openInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const { settings, logger } = options;
  const prefixes = redisPrefixes(settings.redis.keyPrefix);
  const database = options.database ?? (await openMigratedDatabase(settings, logger, options.databaseSchema));
  const redis = openRedisConnections(settings.redis.url, options.connectionName);
  redis.commands.on("error", (error) => logger.warn({ err: error }, "redis error"));
  redis.subscriber.on("error", (error) => logger.warn({ err: error }, "redis subscriber error"));

  const pubsub = createFleetPubSub({
    publishClient: redis.commands,
    subscribeClient: redis.subscriber,
    keyPrefix: prefixes.keys,
    logger,
  });
  const publisher = createRedisEventPublisher(pubsub);
  const producer =
    options.jobQueue === undefined
      ? createBullmqJobQueue({
          redisUrl: settings.redis.url,
          prefix: prefixes.bullmq,
          retry: { attempts: settings.jobs.attempts, backoffMs: JOB_RETRY_BACKOFF_MS },
          publisher,
          logger,
        })
      : null;

  let closing: Promise<void> | null = null;
  return {
    database,
    redis,
    pubsub,
    publisher,
    jobQueue: options.jobQueue ?? producer ?? unreachable(),
    licenseTokens: createRedisLicenseTokenVault(redis.commands, prefixes.keys),
    cmlSessions: createRedisCmlSessionStore(redis.commands, prefixes.keys),
    close() {
      closing ??= (async () => {
        await pubsub.drained(PUBSUB_DRAIN_TIMEOUT_MS);
        await producer?.close();
        await redis.close();
        if (options.database === undefined) {
          await database.close();
        }
      })();
      return closing;
    },
  };
}

function unreachable(): never {
  throw new Error("unreachable: a job queue is always built");
}
