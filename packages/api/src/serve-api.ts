import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { SettingsError } from "@cml-fleet/core/settings/settings-error";
import { isDatabaseUnreachable } from "@cml-fleet/platform/db/open-migrated-database";
import { createLogger } from "@cml-fleet/platform/observability/logger";
import { startMetricsExportFromSettings } from "@cml-fleet/platform/observability/metrics-export";
import { createObservability } from "@cml-fleet/platform/observability/observability";
import { startTracingFromSettings } from "@cml-fleet/platform/observability/tracing";
import { onShutdownSignals } from "@cml-fleet/platform/process/shutdown-signals";
import { createApiApp } from "./app";
import { startApiServer } from "./http/server";

/** The API as a process of its own (`pnpm --filter @cml-fleet/api start`, through main.ts); the jobs run elsewhere. */
const settings = settingsOrExit(process.env);
const tracing = startTracingFromSettings(process.env, settings.otel);
const observability = createObservability({ tracer: tracing.tracer, processMetrics: true });
const logger = createLogger({ level: settings.logLevel, name: "cml-fleet-api" });
const app = await createApiApp({ settings, logger, observability }).catch((error: unknown) => {
  if (isDatabaseUnreachable(error)) {
    // Where Postgres was looked for and what to do; no stack trace needed.
    console.error(error.message);
    process.exit(1);
  }
  throw error;
});
const server = await startApiServer(app.deps, { port: settings.port, host: "0.0.0.0" });
logger.info({ url: server.url, metrics: server.metricsOrigin }, "cml-fleet API ready");
// The /metrics registry over OTLP too, when an endpoint is set.
const metricsExport = startMetricsExportFromSettings(process.env, settings.otel, {
  registry: observability.metrics.registry,
  beforeCollect: app.deps.observability?.refreshGauges,
});

onShutdownSignals(async () => {
  // Servers first (ends subscriptions), then Redis and the database they use.
  await server.close();
  await metricsExport.shutdown();
  await app.close();
  await tracing.shutdown();
}, logger);

/** The settings, or the process ends with each problem on a line of its own (exit 1), not a stack trace. */
function settingsOrExit(env: NodeJS.ProcessEnv): ReturnType<typeof loadSettings> {
  try {
    return loadSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
