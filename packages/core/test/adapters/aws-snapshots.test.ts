import { describe, expect, it, vi } from "vitest";
import { CloudError } from "../../src/errors";
import type { CloudTarget } from "../../src/ports/cloud-provider.port";
import { PATIENCE, simCmlView } from "../support/sim-support";
import { useSimulatedAws } from "../support/simulated-aws";

const target: CloudTarget = { accountId: "default", region: "us-east-1" };

const simulated = useSimulatedAws({ bootDelayMs: 50, stopDelayMs: 50, snapshotDelayMs: 300 });

async function instanceWithLabs(): Promise<string> {
  const [seeded] = await simulated.control.seed(1, { "cml-fleet:managed": "true" });
  const instanceId = seeded?.instanceId ?? expect.unreachable("the simulator launched nothing");
  await simulated.control.call("PATCH", `/_sim/instances/${instanceId}/cml`, {
    labs: [
      { id: "lab-1", title: "OSPF", state: "STOPPED", nodeCount: 3 },
      { id: "lab-2", title: "BGP", state: "STOPPED", nodeCount: 5 },
    ],
  });
  return instanceId;
}

describe("EBS snapshots through the AWS adapter against the simulator", () => {
  it("finds the root volume, snapshots it tagged, sees it complete, finds it by tag, and deletes it", async () => {
    const instanceId = await instanceWithLabs();
    const volumeId = await simulated.aws.rootVolumeOf(target, instanceId);
    expect(volumeId).toBe(`vol-${instanceId.slice(2)}`);

    const created = await simulated.aws.createSnapshot({
      target,
      volumeId: volumeId ?? "",
      description: "keep my labs",
      tags: { "cml-fleet:worker-id": "w-7", course: "ccna" },
    });
    expect(created).toMatchObject({
      snapshotId: expect.stringMatching(/^snap-/),
      volumeId,
      state: "pending",
      sizeGiB: 64,
      description: "keep my labs",
      tags: { "cml-fleet:worker-id": "w-7", course: "ccna" },
    });
    expect(created.progressPercent).toBeLessThan(100);
    await vi.waitFor(async () => {
      expect(await simulated.aws.describeSnapshot(target, created.snapshotId)).toMatchObject({
        state: "completed",
        progressPercent: 100,
      });
    }, PATIENCE);
    expect(
      (await simulated.aws.findSnapshots(target, { "cml-fleet:worker-id": "w-7" })).map(
        (found) => found.snapshotId,
      ),
    ).toEqual([created.snapshotId]);
    expect(await simulated.aws.findSnapshots(target, { "cml-fleet:worker-id": "w-8" })).toEqual([]);

    await simulated.aws.deleteSnapshot(target, created.snapshotId);
    expect(await simulated.aws.describeSnapshot(target, created.snapshotId)).toBeNull();
    // Already gone: no error, as a retried retention sweep needs.
    await simulated.aws.deleteSnapshot(target, created.snapshotId);
  });

  it("launches with the root volume restored from a snapshot: the new instance's CML has the labs", async () => {
    const instanceId = await instanceWithLabs();
    const created = await simulated.aws.createSnapshot({
      target,
      volumeId: (await simulated.aws.rootVolumeOf(target, instanceId)) ?? "",
      description: "",
      tags: {},
    });
    await vi.waitFor(async () => {
      expect((await simulated.aws.describeSnapshot(target, created.snapshotId))?.state).toBe("completed");
    }, PATIENCE);
    const launched = await simulated.aws.launch({
      target,
      clientToken: `from-snapshot-${created.snapshotId}`,
      name: "restored",
      instanceType: "c5.2xlarge",
      imageId: "ami-0a1b2c3d4e5f60701",
      tags: {},
      rootSnapshotId: created.snapshotId,
    });
    const cml = await simCmlView(simulated.control, launched.instanceId);
    expect(cml.labs).toEqual([
      expect.objectContaining({ id: "lab-1", title: "OSPF", nodeCount: 3 }),
      expect.objectContaining({ id: "lab-2", title: "BGP", nodeCount: 5 }),
    ]);
  });

  it("maps EC2's errors to typed cloud errors and answers null for what EC2 does not know", async () => {
    expect(await simulated.aws.rootVolumeOf(target, "i-0123456789abcdef0")).toBeNull();
    expect(await simulated.aws.describeSnapshot(target, "snap-0123456789abcdef0")).toBeNull();
    const unknownVolume = simulated.aws.createSnapshot({
      target,
      volumeId: "vol-0123456789abcdef0",
      description: "",
      tags: {},
    });
    await expect(unknownVolume).rejects.toBeInstanceOf(CloudError);
    await expect(unknownVolume).rejects.toMatchObject({
      kind: "not-found",
      awsCode: "InvalidVolume.NotFound",
      code: "NOT_FOUND",
    });
    await expect(
      simulated.aws.launch({
        target,
        clientToken: "from-missing-snapshot",
        name: "restored",
        instanceType: "c5.2xlarge",
        imageId: "ami-0a1b2c3d4e5f60701",
        tags: {},
        rootSnapshotId: "snap-0123456789abcdef0",
      }),
    ).rejects.toMatchObject({ kind: "not-found", awsCode: "InvalidSnapshot.NotFound" });
  });
});
