import { startJobProcess } from "@cml-fleet/jobs/job-process";
import { releaseStartUpMemory } from "@cml-fleet/jobs/start-up-memory";
import { failStartup, send, serveRunner } from "../harness/child-side";
import { fleetChildSettings } from "../harness/fleet-child-env";

/** CPU time this process has used so far, user and system, in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * A job process as production starts one (startJobProcess: the AWS SDK
 * clients on the simulator, the HTTPS CML client, Postgres, Redis), serving
 * every queue, but declaring no repeating schedules: the runner enqueues each
 * telemetry sweep itself, so the sweeps it times are the only ones. Several
 * of these children serve the same queues, as several job processes do.
 */
async function main(): Promise<void> {
  const { settings, databaseSchema } = fleetChildSettings();
  const running = await startJobProcess({ settings, databaseSchema, runtime: { schedules: null } });
  // As the job process does once started (run-job-process.ts).
  releaseStartUpMemory();
  serveRunner(
    async (message) => (message.type === "usage" ? { type: "usage", cpuMs: cpuMs() } : null),
    () => running.close(),
  );
  send({ type: "ready", cmlConcurrency: settings.cml.concurrency });
}

main().catch(failStartup);
