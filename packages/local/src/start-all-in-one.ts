/**
 * `pnpm start` once main.ts has read its command line: the whole system in
 * one process on embedded defaults — the GraphQL API, the job workers, the
 * simulated cloud (CLOUD_PROVIDER=sim without SIM_URL), embedded Postgres
 * (PGlite, without DATABASE_URL) and Redis at REDIS_URL (a private
 * redis-server when none answers).
 */
import { isAbsolute, join, resolve } from "node:path";
import { createApiApp } from "@cml-fleet/api/app";
import { startApiServer } from "@cml-fleet/api/http/server";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { CloudStartCheckError } from "@cml-fleet/core/services/cloud-start-check";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import { SettingsError } from "@cml-fleet/core/settings/settings-error";
import { startJobProcess } from "@cml-fleet/jobs/job-process";
import { isDatabaseUnreachable, openMigratedDatabase } from "@cml-fleet/platform/db/open-migrated-database";
import { createLogger } from "@cml-fleet/platform/observability/logger";
import { startMetricsExportFromSettings } from "@cml-fleet/platform/observability/metrics-export";
import { createObservability } from "@cml-fleet/platform/observability/observability";
import { startTracingFromSettings } from "@cml-fleet/platform/observability/tracing";
import { onShutdownSignals } from "@cml-fleet/platform/process/shutdown-signals";
import { simulatorOptionsFromEnv } from "@cml-fleet/sim/options-from-env";
import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { startBanner } from "./banner";
import { seedDemoWorkers } from "./demo-workers";
import { localAdminToken } from "./local-admin-token";
import { ensureRedis, RedisUnavailableError } from "./private-redis";

/** Shorter than the standalone simulator's realistic delays, so a demo fleet comes up in under a minute. */
const DEMO_SIM_DELAYS = { bootDelayMs: 15_000, stopDelayMs: 10_000, cmlReadyDelayMs: 15_000 };

type Closer = () => Promise<void>;

/** --demo seeds a few workers; --verbose logs to the terminal instead of a file under the data directory. */
export interface AllInOneFlags {
  readonly demo?: boolean | undefined;
  readonly verbose?: boolean | undefined;
}

async function start(flags: AllInOneFlags): Promise<void> {
  const env = process.env;
  // pnpm runs scripts inside the package; paths the user writes are relative to where they typed the command.
  const root = env.INIT_CWD ?? process.cwd();
  const loaded = loadSettings(env);
  const dataDir = isAbsolute(loaded.database.dataDir)
    ? loaded.database.dataDir
    : resolve(root, loaded.database.dataDir);

  let logger: Logger;
  const closers: Closer[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await close();
    }
  };

  try {
    const runSim = loaded.cloud.provider === "sim" && loaded.cloud.sim.url === null;
    let sim: RunningSimulator | null = null;
    if (runSim) {
      sim = await startSimulator({
        ...simulatorOptionsFromEnv(env, DEMO_SIM_DELAYS),
        port: loaded.cloud.sim.port,
        cmlPort: loaded.cloud.sim.cmlPort,
        cmlUsername: loaded.cml.username,
        cmlPassword: loaded.cml.password,
        // The demo fleet must still exist after Ctrl-C and another `pnpm start`.
        statePath: join(dataDir, "sim-state.json"),
      });
      closers.push(() => (sim === null ? Promise.resolve() : sim.close()));
    }

    const redis = await ensureRedis(loaded.redis.url, dataDir);
    closers.push(() => redis.stop());

    const admin = localAdminToken(loaded.auth.bootstrapAdminToken, dataDir);
    const settings: Settings = {
      ...loaded,
      database: { ...loaded.database, dataDir },
      auth: { ...loaded.auth, bootstrapAdminToken: admin.token },
    };

    const logFile = flags.verbose === true ? undefined : join(dataDir, "cml-fleet.log");
    logger = createLogger({ level: settings.logLevel, name: "cml-fleet", file: logFile });

    // One registry for the API and the job workers: the API's /metrics shows both.
    const tracing = startTracingFromSettings(env, settings.otel);
    closers.push(() => tracing.shutdown());
    const observability = createObservability({ tracer: tracing.tracer, processMetrics: true });

    const database = await openMigratedDatabase(settings, logger, undefined);
    closers.push(() => database.close());

    const api = await createApiApp({ settings, logger, database, observability });
    closers.push(() => api.close());
    const server = await startApiServer(api.deps, { port: settings.port, host: "127.0.0.1" });
    closers.push(() => server.close());

    const jobs = await startJobProcess({ settings, logger, database, observability });
    closers.push(() => jobs.close());
    // The same registry over OTLP too, when an endpoint is set (closed first: its last export reads the database).
    const metricsExport = startMetricsExportFromSettings(env, settings.otel, {
      registry: observability.metrics.registry,
      beforeCollect: api.deps.observability?.refreshGauges,
    });
    closers.push(() => metricsExport.shutdown());

    const demoWorkers = flags.demo === true ? await seedDemoWorkers(server.url, admin.token) : [];

    console.log(
      startBanner({
        graphqlUrl: server.url,
        token: admin.token,
        tokenFile: loaded.auth.bootstrapAdminToken === null ? join(dataDir, "admin-token") : null,
        simUrl: sim === null ? null : sim.url,
        database:
          settings.database.url === null ? `embedded PGlite in ${join(dataDir, "pglite")}` : "DATABASE_URL",
        redis: `${settings.redis.url}${redis.startedHere ? " (a private redis-server started by cml-fleet)" : ""}`,
        logFile: logFile ?? null,
        demoWorkers,
        root,
      }),
    );
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }

  onShutdownSignals(async (signal) => {
    // The log goes to a file unless --verbose: the person at the terminal hears of it here.
    console.log(`\n${signal}: stopping cml-fleet ...`);
    await closeAll().catch((error: unknown) => {
      console.error("shutdown failed:", error);
      throw error;
    });
  }, logger);
}

/** Starts it all; a failure is one line on stderr (no stack for the expected ones) and exit status 1. */
export function runAllInOne(flags: AllInOneFlags): void {
  start(flags).catch(reportStartFailure);
}

function reportStartFailure(error: unknown): void {
  if (
    error instanceof SettingsError ||
    error instanceof RedisUnavailableError ||
    isDatabaseUnreachable(error) ||
    error instanceof CloudStartCheckError
  ) {
    console.error(error.message);
  } else if (isAddressInUse(error)) {
    console.error(
      `cannot listen on ${error.address}:${error.port}: something else uses that port (set PORT / SIM_PORT)`,
    );
  } else {
    console.error(error);
  }
  // main closed what it opened; ending with the exit code (not process.exit) lets the log file's
  // asynchronous writer get ready and flush, instead of pino failing at exit with "sonic boom is not ready yet".
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 5_000).unref();
}

function isAddressInUse(error: unknown): error is { address: string; port: number } {
  return typeof error === "object" && error !== null && "code" in error && error.code === "EADDRINUSE";
}
