import { randomBytes } from "node:crypto";
import type { RankedRole } from "@cml-fleet/core/domain/role";
import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import {
  createApiTokenRepository,
  hashTokenSecret,
} from "@cml-fleet/platform/repositories/api-token.repository";
import { createWorkerRepository } from "@cml-fleet/platform/repositories/worker.repository";
import {
  createTestDatabase,
  TEST_DATABASE_URL,
  type TestDatabase,
} from "@cml-fleet/platform/testing/test-database";
import { Redis } from "ioredis";
import { deleteKeys, TEST_REDIS_URL } from "../../../../platform/test/support/test-redis";
import { useStarted } from "../../../../platform/test/support/use-started";
import { type ApiApp, type ApiAppOptions, createApiApp } from "../../../src/app";
import { generateTokenSecret } from "../../../src/auth/token-secret";
import { type RunningApiServer, startApiServer } from "../../../src/http/server";

export interface TestApi {
  readonly url: string;
  readonly wsUrl: string;
  /** e.g. http://127.0.0.1:40123 (for /healthz, /readyz). */
  readonly origin: string;
  readonly app: ApiApp;
  readonly server: RunningApiServer;
}

type ApiOverrides = Partial<Omit<ApiAppOptions, "settings" | "logger" | "database">>;

export interface TestFleet {
  readonly db: TestDatabase;
  readonly settings: Settings;
  /** Redis key prefix of this test file (also the BullMQ prefix). */
  readonly prefix: string;
  readonly redis: Redis;
  /** The workers table, for seeding what a test reads through the API. */
  readonly workers: WorkerRepository;
  /** Secrets of one token per role (the ADMIN one is BOOTSTRAP_ADMIN_TOKEN). */
  readonly tokens: Readonly<Record<RankedRole, string>>;
  startApi(overrides?: ApiOverrides): Promise<TestApi>;
  close(): Promise<void>;
}

/**
 * One test file's world: its own Postgres schema, its own Redis prefix, the
 * demo settings, and tokens for each role. APIs started from it share both,
 * as replicas of one deployment do.
 */
export async function createTestFleet(label: string, env: Record<string, string> = {}): Promise<TestFleet> {
  const db = await createTestDatabase(label);
  const prefix = `test-${label}-${randomBytes(4).toString("hex")}`;
  const adminSecret = generateTokenSecret();
  const settings = loadSettings({
    NODE_ENV: "test",
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    BOOTSTRAP_ADMIN_TOKEN: adminSecret,
    LOG_LEVEL: "fatal",
    ...env,
  });
  const tokenRepository = createApiTokenRepository(db.db);
  const secrets: Record<RankedRole, string> = {
    ADMIN: adminSecret,
    OPERATOR: generateTokenSecret(),
    VIEWER: generateTokenSecret(),
  };
  for (const role of ["OPERATOR", "VIEWER"] as const) {
    await tokenRepository.create({
      name: `${role.toLowerCase()}-token`,
      role,
      tokenHash: hashTokenSecret(secrets[role]),
      createdAt: new Date(),
    });
  }
  const redis = new Redis(TEST_REDIS_URL);
  const apis: TestApi[] = [];

  return {
    db,
    settings,
    prefix,
    redis,
    workers: createWorkerRepository(db.db),
    tokens: secrets,
    async startApi(overrides = {}) {
      const app = await createApiApp({ settings, logger: silentLogger, database: db.database, ...overrides });
      const server = await startApiServer(app.deps, { port: 0 });
      const origin = server.url.replace(/\/graphql$/, "");
      const api = { url: server.url, wsUrl: server.url.replace(/^http/, "ws"), origin, app, server };
      apis.push(api);
      return api;
    },
    async close() {
      for (const api of apis.reverse()) {
        await api.server.close();
        await api.app.close();
      }
      await deleteKeys(redis, prefix);
      await redis.quit();
      await db.cleanup();
    },
  };
}

export interface UseTestFleetOptions {
  /** Extra settings, as environment variables; a function is called in beforeAll (after earlier hooks). */
  readonly env?: Record<string, string> | (() => Record<string, string>);
  /** Options of the API started on the fleet. */
  readonly api?: ApiOverrides;
}

/**
 * A test fleet and one API on it for the enclosing describe block (or file):
 * started in beforeAll, closed in afterAll. Use both inside tests and hooks.
 */
export function useTestFleet(
  label: string,
  options: UseTestFleetOptions = {},
): { readonly fleet: TestFleet; readonly api: TestApi } {
  const { env = {} } = options;
  const fleet = useStarted(
    "the test fleet",
    () => createTestFleet(label, typeof env === "function" ? env() : env),
    { stop: (started) => started.close() },
  );
  // Closed with the fleet.
  const api = useStarted("the test API", () => fleet.startApi(options.api));
  return { fleet, api };
}
