import type { FaultStack } from "../fault-stack";
import { GraphqlCallError } from "../graphql-client";
import { secondsSince, sleep, waitUntil, within } from "../wait";
import { provisionedWorkers, reached } from "./provisioned-workers";

export interface PostgresOutageOptions {
  /** The longest a request may take while Postgres is down (it must fail fast, not hang). */
  readonly noHangMs: number;
  /** How long Postgres stays down (the job process's sweeps meet the outage meanwhile). */
  readonly outageMs: number;
  /** How long the fleet may take to serve again, and the stop to land, once Postgres is back. */
  readonly recoverTimeoutMs: number;
}

/** What a mutation got while Postgres was down. */
export interface RefusedMutation {
  readonly mutation: string;
  readonly codes: readonly (string | undefined)[];
  readonly message: string;
  readonly seconds: number;
}

export interface PostgresOutageResult {
  /** /readyz's HTTP status while Postgres was down. */
  readonly readyWhileDown: number;
  readonly refused: readonly RefusedMutation[];
  /** Seconds from Postgres back to /readyz 200. */
  readonly readyAgain: number | null;
  /** Seconds from Postgres back to the stop, accepted after it, landed. */
  readonly stopLanded: number | null;
  /** The worker's desired status after the outage, before the new stop (a refused stop changes nothing). */
  readonly desiredAfterOutage: string | null;
  readonly sameProcesses: boolean;
  readonly problems: readonly string[];
}

/**
 * Postgres stopped under a running fleet: /readyz must say so, mutations must fail fast with a clear error, and
 * once it is back the same processes serve again and a stop asked then lands.
 */
export async function runPostgresOutage(
  stack: FaultStack,
  options: PostgresOutageOptions,
): Promise<PostgresOutageResult> {
  const problems: string[] = [];
  const [worker] = await provisionedWorkers(stack, ["pg-outage"]);
  if (worker === undefined) {
    throw new Error("the worker was not provisioned");
  }
  const apiPid = stack.api().child.pid;
  const jobsPid = stack.jobs().child.pid;

  await stack.postgres.stop();
  const downAt = Date.now();
  const readiness = async () =>
    (await within("GET /readyz", options.noHangMs, fetch(`${stack.apiOrigin}/readyz`))).status;
  const readyWhileDown = await readiness();

  const refused: RefusedMutation[] = [];
  const attempts: readonly [string, () => Promise<unknown>][] = [
    ["stopWorker", () => stack.client.stopWorker(worker.id)],
    ["createWorker", () => stack.client.createWorker("pg-refused")],
  ];
  for (const [mutation, attempt] of attempts) {
    const askedAt = Date.now();
    try {
      await within(mutation, options.noHangMs, attempt());
      problems.push(`${mutation} was accepted while Postgres was down`);
    } catch (error) {
      refused.push({
        mutation,
        codes: error instanceof GraphqlCallError ? error.codes : [],
        message: error instanceof Error ? error.message : String(error),
        seconds: secondsSince(askedAt),
      });
    }
  }
  // The sweeps and the job process meet the outage for a while.
  await sleep(Math.max(0, options.outageMs - (Date.now() - downAt)));

  await stack.postgres.start();
  const backAt = Date.now();
  let readyAgain: number | null = null;
  let stopLanded: number | null = null;
  let desiredAfterOutage: string | null = null;
  try {
    await waitUntil(
      "/readyz to answer 200 once Postgres is back",
      async () => {
        const status = await readiness();
        return { done: status === 200, seen: `HTTP ${status}` };
      },
      { timeoutMs: options.recoverTimeoutMs, context: stack.context },
    );
    readyAgain = secondsSince(backAt);
    desiredAfterOutage = (await stack.client.worker(worker.id))?.desiredStatus ?? null;
    await stack.client.stopWorker(worker.id);
    await reached(stack, worker.id, { status: "STOPPED" }, options.recoverTimeoutMs);
    stopLanded = secondsSince(backAt);
  } catch (error) {
    problems.push(error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error));
  }
  const sameProcesses =
    stack.api().child.pid === apiPid &&
    stack.api().child.running() &&
    stack.jobs().child.pid === jobsPid &&
    stack.jobs().child.running();
  if (!sameProcesses) {
    problems.push("a fleet process was restarted or died during the outage");
  }
  return { readyWhileDown, refused, readyAgain, stopLanded, desiredAfterOutage, sameProcesses, problems };
}
