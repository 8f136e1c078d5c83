import { userActor } from "@cml-fleet/core/domain/actor";
import { describe, expect, it } from "vitest";
import { runOnce, waitForWorker } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";

interface SimInstance {
  readonly instanceId: string;
  readonly state: string;
}

const operator = userActor("u-ops", "ops");

describe("reconciliation isolated per account and region", () => {
  const fleet = useHarness("reconcile-isolation", { env: { CML_LICENSE_TOKEN: "" } });

  it("reconciles the other regions while one region's EC2 fails, and records the failed target after its retries", {
    timeout: 180_000,
  }, async () => {
    const east = await fleet.createWorker("east", "us-east-1");
    const west = await fleet.createWorker("west", "us-west-2");
    for (const worker of [east, west]) {
      await fleet.queue.enqueue("provision", { workerId: worker.id, actor: operator });
    }
    const provisioned = await Promise.all(
      [east, west].map((worker) => waitForWorker(fleet, worker.id, { serviceStatus: "AVAILABLE" })),
    );
    const westInstance = provisioned[1]?.instanceId ?? "";
    await fleet.simJson(`/_sim/instances/${westInstance}/terminate`, { method: "POST" });
    await expect
      .poll(async () => (await fleet.simJson<SimInstance>(`/_sim/instances/${westInstance}`)).state, PATIENCE)
      .toBe("terminated");
    // us-east-1, the first target reconciled, is out.
    await fleet.simJson("/_sim/faults", {
      method: "PUT",
      body: JSON.stringify({ failRegions: ["us-east-1"] }),
    });

    const summary = await runOnce(fleet, "reconcile");

    expect(summary).toMatchObject({
      terminated: [west.id],
      failedTargets: [
        {
          accountId: fleet.settings.aws.defaultAccount,
          region: "us-east-1",
          attempts: 3,
          error: expect.any(String),
        },
      ],
    });
    expect((await fleet.workers.findById(west.id))?.status).toBe("TERMINATED");
    expect((await fleet.workers.findById(east.id))?.status).toBe("RUNNING");
    const failures = (await fleet.workers.listEvents(null, 50)).filter(
      (event) => event.type === "fleet.reconciliation_failed",
    );
    expect(failures).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ region: "us-east-1", attempts: 3 }),
      }),
    ]);

    // Once the region is back, the next run covers it and reports no failure.
    await fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify({ failRegions: [] }) });
    expect(await runOnce(fleet, "reconcile")).toMatchObject({ failedTargets: [] });
  });
});
