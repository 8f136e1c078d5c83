import { fileURLToPath } from "node:url";
import { type RunningChild, spawnChild, tailOf } from "./child-process";
import { waitUntil } from "./wait";

const PACKAGES = fileURLToPath(new URL("../..", import.meta.url));

/** A process of the fleet (the API or a job process) and where it answers HTTP. */
export interface FleetProcess {
  readonly child: RunningChild;
  /** http://127.0.0.1:<port>: the API's /graphql, /healthz, /readyz, or the job process's /metrics. */
  readonly origin: string;
}

/**
 * The package's real `src/main.ts` as a child (Node loads tsx as a hook in the same process, so a SIGKILL or
 * SIGSTOP reaches the process that works, not a CLI wrapper), configured only through its environment. Resolves
 * once it answers HTTP on `readyPath`.
 */
async function spawnMain(
  pkg: "api" | "jobs",
  label: string,
  env: Record<string, string>,
  portVariable: "PORT" | "JOBS_METRICS_PORT",
  readyPath: string,
  port: number,
): Promise<FleetProcess> {
  const child = spawnChild({
    label,
    command: process.execPath,
    args: ["--import", "tsx", "src/main.ts"],
    cwd: `${PACKAGES}${pkg}`,
    env: { ...env, [portVariable]: String(port) },
  });
  const origin = `http://127.0.0.1:${port}`;
  const ready = waitUntil(
    `${label} to answer GET ${readyPath}`,
    async () => {
      const response = await fetch(`${origin}${readyPath}`, { signal: AbortSignal.timeout(5_000) });
      return { done: response.ok, seen: `HTTP ${response.status}` };
    },
    { timeoutMs: 90_000, intervalMs: 200, context: () => tailOf(child) },
  );
  // A process that exits while starting fails the start at once, with what it printed.
  const exited = child.exited.then((code) => {
    throw new Error(`${label} exited with ${code} while starting:\n${tailOf(child)}`);
  });
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    await child.kill();
    throw error;
  }
  exited.catch(() => undefined);
  return { child, origin };
}

/** The API process (`packages/api/src/main.ts`) on `port` (a restart keeps it); it migrates the database at start. */
export async function startApiProcess(
  env: Record<string, string>,
  port: number,
  label = "api",
): Promise<FleetProcess> {
  return spawnMain("api", label, env, "PORT", "/healthz", port);
}

/** A job process (`packages/jobs/src/main.ts`), ready once its /metrics listener on `port` answers (it starts last). */
export async function startJobProcess(
  env: Record<string, string>,
  port: number,
  label = "jobs",
): Promise<FleetProcess> {
  return spawnMain("jobs", label, env, "JOBS_METRICS_PORT", "/metrics", port);
}

/**
 * How many jobs of a queue the job process counted with an outcome, from its /metrics
 * (`cml_fleet_jobs_total{queue, outcome}`); 0 while it has counted none.
 */
export async function jobsCounted(jobs: FleetProcess, queue: string, outcome = "completed"): Promise<number> {
  const response = await fetch(`${jobs.origin}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("cml_fleet_jobs_total{")) {
      continue;
    }
    const queueLabel = /queue="([^"]*)"/.exec(line)?.[1];
    const outcomeLabel = /outcome="([^"]*)"/.exec(line)?.[1];
    if ((queueLabel === queue || queueLabel === `cml-fleet.${queue}`) && outcomeLabel === outcome) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

/** The tails of the processes' logs, for a failure message. */
export function tails(processes: readonly (FleetProcess | RunningChild | null | undefined)[]): string {
  return processes
    .filter((entry): entry is FleetProcess | RunningChild => entry !== null && entry !== undefined)
    .map((entry) => tailOf("child" in entry ? entry.child : entry))
    .join("\n");
}
