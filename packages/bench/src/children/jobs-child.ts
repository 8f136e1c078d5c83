import { startJobProcess } from "@cml-fleet/jobs/job-process";
import { releaseStartUpMemory } from "@cml-fleet/jobs/start-up-memory";
import { failStartup, send, serveRunner } from "../harness/child-side";
import { fleetChildSettings } from "../harness/fleet-child-env";

/**
 * The job process exactly as `pnpm --filter @cml-fleet/jobs start` composes it,
 * except that it declares no repeating schedules (sweeps and reconciliation
 * would compete with what is measured).
 */
async function main(): Promise<void> {
  const { settings, databaseSchema } = fleetChildSettings();
  const running = await startJobProcess({
    settings,
    databaseSchema,
    runtime: { schedules: null },
  });
  // As the job process does once started (run-job-process.ts).
  releaseStartUpMemory();
  serveRunner(
    async (message) =>
      message.type === "runtime" ? { type: "runtime", concurrency: running.deps.runtime.concurrency } : null,
    () => running.close(),
  );
  send({ type: "ready" });
}

main().catch(failStartup);
