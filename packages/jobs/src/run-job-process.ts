import { writeFileSync } from "node:fs";
import { CloudStartCheckError } from "@cml-fleet/core/services/cloud-start-check";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { SettingsError } from "@cml-fleet/core/settings/settings-error";
import { isDatabaseUnreachable } from "@cml-fleet/platform/db/open-migrated-database";
import { startMetricsExportFromSettings } from "@cml-fleet/platform/observability/metrics-export";
import { createMetricsHandler, startMetricsServer } from "@cml-fleet/platform/observability/metrics-handler";
import { createObservability } from "@cml-fleet/platform/observability/observability";
import { startTracingFromSettings } from "@cml-fleet/platform/observability/tracing";
import { onShutdownSignals } from "@cml-fleet/platform/process/shutdown-signals";
import { type RunningJobProcess, startJobProcess } from "./job-process";
import { releaseStartUpMemory } from "./start-up-memory";

/**
 * The job process on its own (`pnpm --filter @cml-fleet/jobs start`, through main.ts): any
 * number of them may serve the same Redis and Postgres.
 *
 * Test-only knobs (never set in production):
 * - CML_FLEET_TEST_DB_SCHEMA: the Postgres schema of a test file.
 * - CML_FLEET_TEST_BULLMQ_PREFIX / CML_FLEET_TEST_LOCK_MS: queue isolation and short locks.
 * - CML_FLEET_TEST_PAUSE_AFTER_LAUNCH: a file path; after a launch call the process writes the
 *   instance id there and hangs, so a test can kill it at the worst moment of provisioning.
 */
async function main(): Promise<void> {
  const env = process.env;
  let settings: ReturnType<typeof loadSettings>;
  try {
    settings = loadSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const pauseFile = env.CML_FLEET_TEST_PAUSE_AFTER_LAUNCH;
  const lockMs = env.CML_FLEET_TEST_LOCK_MS === undefined ? undefined : Number(env.CML_FLEET_TEST_LOCK_MS);
  const prefix = env.CML_FLEET_TEST_BULLMQ_PREFIX;
  const tracing = startTracingFromSettings(env, settings.otel);
  const observability = createObservability({ tracer: tracing.tracer, processMetrics: true });
  const running: RunningJobProcess = await startJobProcess({
    settings,
    observability,
    databaseSchema: env.CML_FLEET_TEST_DB_SCHEMA,
    runtime: {
      ...(prefix === undefined ? {} : { prefix }),
      ...(lockMs === undefined
        ? {}
        : {
            lockDurationMs: lockMs,
            stalledIntervalMs: lockMs,
            workerLockTtlMs: lockMs,
            busyRetryDelayMs: 200,
          }),
    },
    afterLaunch:
      pauseFile === undefined
        ? undefined
        : async (workerId, instanceId) => {
            writeFileSync(pauseFile, JSON.stringify({ workerId, instanceId }));
            await new Promise<never>(() => {});
          },
  });

  // The start-up's garbage is gone by now; its pages go back to the system (start-up-memory.ts).
  releaseStartUpMemory();

  const metrics =
    settings.jobsMetricsPort === 0
      ? null
      : await startMetricsServer(
          createMetricsHandler({
            registry: observability.metrics.registry,
            // The queues as the API's /metrics shows them, so a job process alone answers for its backlog.
            beforeScrape: running.refreshQueueGauges,
            logger: running.deps.logger,
          }),
          { port: settings.jobsMetricsPort, host: "0.0.0.0" },
        );

  // The same registry over OTLP too, when an endpoint is set.
  const metricsExport = startMetricsExportFromSettings(env, settings.otel, {
    registry: observability.metrics.registry,
    beforeCollect: running.refreshQueueGauges,
  });

  onShutdownSignals(async () => {
    await metrics?.close();
    await metricsExport.shutdown();
    await running.close();
    await tracing.shutdown();
  }, running.deps.logger);
}

main().catch((error: unknown) => {
  // A region or network the account cannot serve, or a database out of reach: the message names each, no stack needed.
  console.error(
    error instanceof CloudStartCheckError || isDatabaseUnreachable(error) ? error.message : error,
  );
  process.exit(1);
});
