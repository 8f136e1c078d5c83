import { userActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type { FleetHarness } from "./fleet-harness";

const operator = userActor("u-ops", "ops");

/** Creates and provisions workers through the provision queue, and waits until each is AVAILABLE. */
export async function provisionWorkers(fleet: FleetHarness, names: readonly string[]): Promise<Worker[]> {
  const created = await Promise.all(names.map((name) => fleet.createWorker(name)));
  for (const worker of created) {
    await fleet.queue.enqueue("provision", { workerId: worker.id, actor: operator });
  }
  return Promise.all(
    created.map((worker) =>
      fleet.until(`${worker.name} to be AVAILABLE`, async () => {
        const current = await fleet.workers.findById(worker.id);
        return current?.serviceStatus === "AVAILABLE" ? current : null;
      }),
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
