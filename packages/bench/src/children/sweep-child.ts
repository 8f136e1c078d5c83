import { createTelemetrySweepService } from "@cml-fleet/core/services/telemetry-sweep.service";
import { startJobProcess } from "@cml-fleet/jobs/job-process";
import { failStartup, send, serveRunner } from "../harness/child-side";
import { withCmlLatency } from "../harness/delayed-cml-client";
import { fleetChildSettings } from "../harness/fleet-child-env";

/**
 * The job process as production composes it (startJobProcess: real AWS SDK
 * clients on the simulator, the HTTPS CML client, Postgres, Redis), serving
 * no queues: the runner triggers sweeps directly so each one can be timed.
 */
async function main(): Promise<void> {
  const { settings, databaseSchema } = fleetChildSettings();
  const latencyMs = Number(process.env.BENCH_CML_LATENCY_MS ?? "0");
  const running = await startJobProcess({
    settings,
    databaseSchema,
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
