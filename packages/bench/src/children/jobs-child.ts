import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { startJobProcess } from "@cml-fleet/jobs/job-process";
import { failStartup, send, serveRunner } from "../harness/child-side";

/**
 * The job process exactly as `pnpm --filter @cml-fleet/jobs start` composes it,
 * except that it declares no repeating schedules (sweeps and reconciliation
 * would compete with what is measured).
 */
async function main(): Promise<void> {
  const env = JSON.parse(process.env.BENCH_SETTINGS_ENV ?? "{}") as Record<string, string>;
  const settings = loadSettings(env);
  const running = await startJobProcess({
    settings,
    databaseSchema: process.env.BENCH_SCHEMA,
    runtime: { schedules: null },
  });
  serveRunner(
    async (message) =>
      message.type === "runtime" ? { type: "runtime", concurrency: running.deps.runtime.concurrency } : null,
    () => running.close(),
  );
  send({ type: "ready" });
}

main().catch(failStartup);
