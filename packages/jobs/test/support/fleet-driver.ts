import { userActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type { WorkerStatus } from "@cml-fleet/core/domain/worker-status";
import { expect, vi } from "vitest";
import { type FleetHarness, PATIENCE } from "./fleet-harness";

const operator = userActor("u-ops", "ops");

/**
 * Settings (for `useHarness`) that make idle auto-stop a matter of seconds:
 * idle after 8 s, warned 3 s before, no snooze or minimum uptime, any CPU
 * load idle; no license to register.
 */
export const SECOND_LONG_IDLE: Readonly<Record<string, string>> = {
  CML_WORKER_IDLE_THRESHOLD: "8s",
  CML_WORKER_MAX_IDLE_BEFORE_WARNING: "3s",
  CML_WORKER_IDLE_SNOOZE_AFTER_START: "0s",
  CML_WORKER_IDLE_MIN_UPTIME: "0s",
  CML_WORKER_IDLE_STALE_TELEMETRY_AGE: "60s",
  CML_WORKER_TELEMETRY_COLLECTION_INTERVAL: "5s",
  CML_WORKER_IDLE_CPU_VETO_PERCENT: "100",
  CML_LICENSE_TOKEN: "",
};

/**
 * The statuses a worker shows, each run of repeats counted once, when it is
 * provisioned, stopped, started again and terminated.
 */
export const WHOLE_LIFE: readonly WorkerStatus[] = [
  "PENDING",
  "RUNNING",
  "STOPPING",
  "STOPPED",
  "PENDING",
  "RUNNING",
  "SHUTTING_DOWN",
  "TERMINATED",
];

/** The values with each run of repeats counted once: [a, a, b, a] -> [a, b, a]. */
export function withoutRepeats<T>(values: readonly T[]): T[] {
  return values.filter((value, index) => index === 0 || value !== values[index - 1]);
}

/** Waits until the stored worker matches `expected` (as toMatchObject does) and answers it. */
export function waitForWorker(
  fleet: FleetHarness,
  id: string,
  expected: Record<string, unknown>,
  patience: { readonly timeout: number; readonly interval: number } = PATIENCE,
): Promise<Worker> {
  return vi.waitFor(async () => {
    const current = await fleet.workers.findById(id);
    expect(current).toMatchObject(expected);
    return current ?? expect.unreachable();
  }, patience);
}

/** Creates and provisions workers through the provision queue, and waits until each is AVAILABLE. */
export async function provisionWorkers(fleet: FleetHarness, names: readonly string[]): Promise<Worker[]> {
  const created = await Promise.all(names.map((name) => fleet.createWorker(name)));
  for (const worker of created) {
    await fleet.queue.enqueue("provision", { workerId: worker.id, actor: operator });
  }
  return Promise.all(
    created.map((worker) =>
      waitForWorker(fleet, worker.id, { name: worker.name, serviceStatus: "AVAILABLE" }),
    ),
  );
}

/** Runs one repeating job by hand (the schedules are off in tests) and returns its result. */
export async function runOnce(
  fleet: FleetHarness,
  kind: "telemetry-sweep" | "idle-check" | "reconcile",
): Promise<unknown> {
  const job = await fleet.queue.enqueue(kind, {});
  return fleet.queue.waitForResult(job.id, 120_000);
}

/** Changes what a simulated worker's CML reports. */
export async function patchCml(
  fleet: FleetHarness,
  instanceId: string | null,
  patch: Record<string, unknown>,
): Promise<void> {
  await fleet.simJson(`/_sim/instances/${instanceId ?? "none"}/cml`, {
    method: "PATCH",
    body: JSON.stringify(patch),
  });
}
