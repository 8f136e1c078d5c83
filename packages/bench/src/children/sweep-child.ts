import { createTelemetrySweepService } from "@cml-fleet/core/services/telemetry-sweep.service";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { startJobProcess } from "@cml-fleet/jobs/job-process";
import { failStartup, send, serveRunner } from "../harness/child-side";
import { withCmlLatency } from "../harness/delayed-cml-client";

/**
 * The job process as production composes it (startJobProcess: real AWS SDK
 * clients on the simulator, the HTTPS CML client, Postgres, Redis), serving
 * no queues: the runner triggers sweeps directly so each one can be timed.
 */
async function main(): Promise<void> {
  const env = JSON.parse(process.env.BENCH_SETTINGS_ENV ?? "{}") as Record<string, string>;
  const latencyMs = Number(process.env.BENCH_CML_LATENCY_MS ?? "0");
  const settings = loadSettings(env);
  const running = await startJobProcess({
    settings,
    databaseSchema: process.env.BENCH_SCHEMA,
    runtime: { kinds: [], schedules: null },
    tune: (deps) => ({ ...deps, cml: withCmlLatency(deps.cml, latencyMs) }),
  });
  const sweeper = createTelemetrySweepService(running.deps);
  serveRunner(
    async (message) => {
      if (message.type !== "sweep") {
        return null;
      }
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const summary = await sweeper.sweep();
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      return {
        type: "swept",
        wallMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        workers: summary.workers,
        changed: summary.changed,
        cmlUnreachable: summary.cmlUnreachable,
        failedTargets: summary.failedTargets.length,
        cmlConcurrency: running.deps.sweep.cmlConcurrency,
        rss: process.memoryUsage().rss,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      };
    },
    () => running.close(),
  );
  send({ type: "ready", peakRssBytes: process.resourceUsage().maxRSS * 1024 });
}

main().catch(failStartup);
