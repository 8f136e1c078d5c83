import { randomBytes, randomUUID } from "node:crypto";
import { systemActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { createWorker } from "@cml-fleet/core/domain/worker-changes";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import { createLogger, silentLogger } from "@cml-fleet/platform/observability/logger";
import { createFleetPubSub, type FleetPubSub } from "@cml-fleet/platform/pubsub/fleet-pubsub";
import { createRedisEventPublisher } from "@cml-fleet/platform/pubsub/redis-event-publisher";
import { type BullmqJobQueue, createBullmqJobQueue } from "@cml-fleet/platform/queue/bullmq-job-queue";
import { redisPrefixes } from "@cml-fleet/platform/queue/queue-definitions";
import {
  createWorkerRepository,
  type DrizzleWorkerRepository,
} from "@cml-fleet/platform/repositories/worker.repository";
import {
  createTestDatabase,
  TEST_DATABASE_URL,
  type TestDatabase,
} from "@cml-fleet/platform/testing/test-database";
import { type RunningSimulator, type SimulatorOptions, startSimulator } from "@cml-fleet/sim/simulator";
import { Redis } from "ioredis";
import { deleteKeys, TEST_REDIS_URL } from "../../../platform/test/support/test-redis";
import { useStarted } from "../../../platform/test/support/use-started";
import { type JobProcessOptions, type RunningJobProcess, startJobProcess } from "../../src/job-process";
import type { JobRuntimeConfig } from "../../src/job-worker-deps";

/** TEST_LOG=debug (or info, warn) shows the job process's logs while a test runs. */
const testLogger =
  process.env.TEST_LOG === undefined
    ? silentLogger
    : createLogger({ level: process.env.TEST_LOG, name: "jobs-test" });

export interface HarnessOptions {
  readonly sim?: SimulatorOptions;
  /** Extra settings, as environment variables. */
  readonly env?: Record<string, string>;
  /** Start in-process job workers (default true). */
  readonly jobWorkers?: boolean;
  readonly runtime?: Partial<JobRuntimeConfig>;
}

/**
 * How long a harness test waits, by default, for what the job workers do in
 * the background (a worker to be AVAILABLE, a job to complete): for
 * `vi.waitFor` and `expect.poll`. Slow machines need the minute.
 */
export const PATIENCE = { timeout: 60_000, interval: 100 } as const;

/** Test-speed queue runtime: short locks, no schedules unless asked. */
export const FAST_RUNTIME: Partial<JobRuntimeConfig> = {
  lockDurationMs: 5_000,
  stalledIntervalMs: 2_000,
  workerLockTtlMs: 5_000,
  busyRetryDelayMs: 200,
  heartbeatIntervalMs: 500,
  shutdownGraceMs: 5_000,
  schedules: null,
};

/**
 * One isolated fleet for a test file: its own Postgres schema, Redis prefix
 * and simulator; real adapters, real queues.
 */
export async function startHarness(label: string, options: HarnessOptions = {}) {
  const testDb: TestDatabase = await createTestDatabase(label);
  const sim: RunningSimulator = await startSimulator({
    bootDelayMs: 300,
    stopDelayMs: 300,
    cmlReadyDelayMs: 300,
    licenseRegistrationDelayMs: 300,
    onError: () => {},
    cmlUsername: "fleet",
    cmlPassword: "sim-password",
    ...options.sim,
  });
  const keyPrefix = `t-jobs-${label}-${randomBytes(4).toString("hex")}`;
  const env: Record<string, string> = {
    CLOUD_PROVIDER: "sim",
    SIM_URL: sim.url,
    SIM_CML_PORT: String(sim.cmlPort),
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: keyPrefix,
    CML_USERNAME: "fleet",
    CML_PASSWORD: "sim-password",
    CML_LICENSE_TOKEN: "good-license-token",
    CML_HEALTH_CHECK_INTERVAL: "200ms",
    CML_LICENSE_REGISTRATION_TIMEOUT: "30s",
    CML_REQUEST_TIMEOUT: "5s",
    CML_JOB_ATTEMPTS: "3",
    LOG_LEVEL: "warn",
    ...options.env,
  };
  const settings: Settings = loadSettings(env);
  const prefixes = redisPrefixes(keyPrefix);
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const subscriber = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const pubsub: FleetPubSub = createFleetPubSub({
    publishClient: redis,
    subscribeClient: subscriber,
    keyPrefix: prefixes.keys,
  });
  const queue: BullmqJobQueue = createBullmqJobQueue({
    redisUrl: TEST_REDIS_URL,
    prefix: prefixes.bullmq,
    retry: { attempts: settings.jobs.attempts, backoffMs: 200 },
    publisher: createRedisEventPublisher(pubsub),
    logger: silentLogger,
  });
  const workers: DrizzleWorkerRepository = createWorkerRepository(testDb.db);

  let jobs: RunningJobProcess | null = null;
  /** The job process on this harness (closed with it); `process` gives it a test's own logger or observability. */
  async function startJobs(
    runtime: Partial<JobRuntimeConfig> = {},
    process: Pick<JobProcessOptions, "logger" | "observability"> = {},
  ): Promise<RunningJobProcess> {
    const started = await startJobProcess({
      settings,
      logger: testLogger,
      databaseSchema: testDb.schema,
      runtime: { ...FAST_RUNTIME, ...options.runtime, ...runtime },
      tune: (deps) => ({ ...deps, readiness: { ...deps.readiness, pollInitialMs: 100, pollMaxMs: 300 } }),
      ...process,
    });
    jobs = started;
    return started;
  }
  if (options.jobWorkers ?? true) {
    await startJobs();
  }

  return {
    /** The settings as environment variables (for a job process started as a child). */
    env,
    settings,
    sim,
    testDb,
    queue,
    pubsub,
    workers,
    redis,
    keyPrefix,
    get jobs() {
      return jobs;
    },
    startJobs,

    /**
     * A worker as the API creates it: PENDING, heading to RUNNING, no instance
     * yet; `overrides` make it something else (one adopted and running, say).
     */
    async createWorker(
      name = `w-${randomBytes(3).toString("hex")}`,
      region = "us-east-1",
      overrides: Partial<Worker> = {},
    ): Promise<Worker> {
      const image = settings.worker.images[region];
      if (image === undefined) {
        throw new Error(`no image for ${region}`);
      }
      const change = createWorker({
        id: randomUUID(),
        name,
        accountId: settings.aws.defaultAccount,
        region,
        instanceType: settings.worker.defaultInstanceType,
        image,
        amiId: null,
        tags: {},
        idempotencyKey: null,
        createdBy: "test",
        actor: systemActor("bootstrap"),
        now: new Date(),
      });
      return (await workers.insert({ ...change.worker, ...overrides }, change.events)).worker;
    },

    async simJson<T>(path: string, init?: RequestInit): Promise<T> {
      const response = await fetch(`${sim.url}${path}`, {
        ...init,
        headers: { "content-type": "application/json", ...init?.headers },
      });
      if (!response.ok) {
        throw new Error(`${init?.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
      }
      const text = await response.text();
      return (text === "" ? null : JSON.parse(text)) as T;
    },

    async close(): Promise<void> {
      await jobs?.close();
      await queue.close();
      await deleteKeys(redis, keyPrefix);
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
      await sim.close();
      await testDb.cleanup();
    },
  };
}

export type FleetHarness = Awaited<ReturnType<typeof startHarness>>;

/**
 * A harness for the enclosing describe block (or file): started in beforeAll,
 * closed in afterAll, both given `timeoutMs` (a simulator and a job process
 * take a while on a loaded machine). Use it inside tests and hooks.
 */
export function useHarness(label: string, options: HarnessOptions = {}, timeoutMs = 120_000): FleetHarness {
  return useStarted("the fleet harness", () => startHarness(label, options), {
    stop: (fleet) => fleet.close(),
    timeoutMs,
  });
}
