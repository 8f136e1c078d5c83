import { userActor } from "@cml-fleet/core/domain/actor";
import { describe, expect, it } from "vitest";
import { provisionWorkers, runOnce } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";

interface SimInstance {
  readonly instanceId: string;
  readonly state: string;
}

describe("reconciliation against the simulated EC2", () => {
  const fleet = useHarness("reconcile", { env: { CML_LICENSE_TOKEN: "" } });

  it("marks a worker terminated behind the fleet's back TERMINATED, with an event", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["victim"]);
    await fleet.simJson(`/_sim/instances/${worker?.instanceId}/terminate`, { method: "POST" });
    await expect
      .poll(
        async () => (await fleet.simJson<SimInstance>(`/_sim/instances/${worker?.instanceId}`)).state,
        PATIENCE,
      )
      .toBe("terminated");

    const summary = await runOnce(fleet, "reconcile");

    expect(summary).toMatchObject({ terminated: [worker?.id] });
    const current = await fleet.workers.findById(worker?.id ?? "");
    expect(current?.status).toBe("TERMINATED");
    const events = await fleet.workers.listEvents(worker?.id ?? "", 50);
    expect(events.find((event) => event.type === "worker.terminated")?.reason).toMatch(
      /terminated outside the fleet/,
    );
  });

  it("reports an instance launched behind its back with the fleet tag, and imports it", {
    timeout: 120_000,
  }, async () => {
    const stray = await fleet.simJson<SimInstance>("/_sim/instances", {
      method: "POST",
      body: JSON.stringify({ region: "us-east-1", tags: { "cml-fleet:managed": "true", Name: "stray" } }),
    });

    const summary = await runOnce(fleet, "reconcile");

    expect(summary).toMatchObject({
      orphans: [expect.objectContaining({ instanceId: stray.instanceId })],
      imported: [],
    });
    const reports = await fleet.workers.listEvents(null, 50);
    expect(reports.filter((event) => event.type === "fleet.orphan_detected")).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ instanceId: stray.instanceId }) }),
    ]);

    const job = await fleet.queue.enqueue("import", {
      accountId: fleet.settings.aws.defaultAccount,
      region: "us-east-1",
      instanceIds: [stray.instanceId],
      actor: userActor("u-admin", "admin"),
    });
    const result = await fleet.queue.waitForResult(job.id, 60_000);
    const [imported] = await fleet.workers.findByInstanceIds([stray.instanceId]);
    expect(result).toEqual({ workerIds: [imported?.id] });
    expect(imported).toMatchObject({ name: "stray", region: "us-east-1" });
    expect(await runOnce(fleet, "reconcile")).toMatchObject({ orphans: [] });
  });
});
