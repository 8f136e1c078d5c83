import type { FaultStack } from "../fault-stack";
import { type Intent, intentGap } from "../fleet-invariants";
import type { WorkerView } from "../graphql-client";
import { waitUntil } from "../wait";

/** Creates the workers through the API and waits until each is RUNNING, AVAILABLE and licensed. */
export async function provisionedWorkers(
  stack: FaultStack,
  names: readonly string[],
  timeoutMs = 90_000,
): Promise<WorkerView[]> {
  const created: WorkerView[] = [];
  for (const name of names) {
    created.push(await stack.client.createWorker(name));
  }
  return Promise.all(
    created.map((worker) => reached(stack, worker.id, { status: "RUNNING", licensed: true }, timeoutMs)),
  );
}

/** Waits until the worker reached the intent (bounded); answers the worker as it then is. */
export async function reached(
  stack: FaultStack,
  workerId: string,
  intent: Intent,
  timeoutMs: number,
): Promise<WorkerView> {
  const worker = await waitUntil<WorkerView>(
    `worker ${workerId} to reach ${intent.status}${intent.licensed === true ? " (licensed)" : ""}`,
    async () => {
      const now = await stack.client.worker(workerId);
      const gap = intentGap(now, intent);
      return { done: gap === null, seen: gap ?? "reached", value: now ?? undefined };
    },
    { timeoutMs, intervalMs: 250, context: stack.context },
  );
  if (worker === undefined) {
    throw new Error(`worker ${workerId} is gone`);
  }
  return worker;
}
