import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type AwsCloudProvider,
  createAwsCloudProvider,
} from "../../src/adapters/aws/create-aws-cloud-provider";
import { CloudError } from "../../src/errors";
import type { CloudTarget } from "../../src/ports/cloud-provider.port";
import { silentLogger } from "../support/silent-logger";
import { PATIENCE, SIM_CREDENTIALS, simCmlView, simControl } from "./sim-support";

const target: CloudTarget = { accountId: "default", region: "us-east-1" };

let sim: RunningSimulator;
let control: ReturnType<typeof simControl>;
let aws: AwsCloudProvider;

beforeAll(async () => {
  sim = await startSimulator({ bootDelayMs: 50, stopDelayMs: 50, snapshotDelayMs: 300 });
  control = simControl(sim);
  aws = createAwsCloudProvider({
    accounts: { default: {} },
    staticCredentials: SIM_CREDENTIALS,
    endpoints: { ec2: sim.url, cloudwatch: sim.url },
    maxAttempts: 1,
    requestTimeoutMs: 10_000,
    logger: silentLogger,
  });
});

afterAll(async () => {
  aws.close();
  await sim.close();
});

async function instanceWithLabs(): Promise<string> {
  const [seeded] = await control.seed(1, { "cml-fleet:managed": "true" });
  const instanceId = seeded?.instanceId ?? expect.unreachable("the simulator launched nothing");
  await control.call("PATCH", `/_sim/instances/${instanceId}/cml`, {
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
    const volumeId = await aws.rootVolumeOf(target, instanceId);
    expect(volumeId).toBe(`vol-${instanceId.slice(2)}`);

    const created = await aws.createSnapshot({
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
      expect(await aws.describeSnapshot(target, created.snapshotId)).toMatchObject({
        state: "completed",
        progressPercent: 100,
      });
    }, PATIENCE);
    expect(
      (await aws.findSnapshots(target, { "cml-fleet:worker-id": "w-7" })).map((found) => found.snapshotId),
    ).toEqual([created.snapshotId]);
    expect(await aws.findSnapshots(target, { "cml-fleet:worker-id": "w-8" })).toEqual([]);

    await aws.deleteSnapshot(target, created.snapshotId);
    expect(await aws.describeSnapshot(target, created.snapshotId)).toBeNull();
    // Already gone: no error, as a retried retention sweep needs.
    await aws.deleteSnapshot(target, created.snapshotId);
  });

  it("launches with the root volume restored from a snapshot: the new instance's CML has the labs", async () => {
    const instanceId = await instanceWithLabs();
    const created = await aws.createSnapshot({
      target,
      volumeId: (await aws.rootVolumeOf(target, instanceId)) ?? "",
      description: "",
      tags: {},
    });
    await vi.waitFor(async () => {
      expect((await aws.describeSnapshot(target, created.snapshotId))?.state).toBe("completed");
    }, PATIENCE);
    const launched = await aws.launch({
      target,
      clientToken: `from-snapshot-${created.snapshotId}`,
      name: "restored",
      instanceType: "c5.2xlarge",
      imageId: "ami-0a1b2c3d4e5f60701",
      tags: {},
      rootSnapshotId: created.snapshotId,
    });
    const cml = await simCmlView(control, launched.instanceId);
    expect(cml.labs).toEqual([
      expect.objectContaining({ id: "lab-1", title: "OSPF", nodeCount: 3 }),
      expect.objectContaining({ id: "lab-2", title: "BGP", nodeCount: 5 }),
    ]);
  });

  it("maps EC2's errors to typed cloud errors and answers null for what EC2 does not know", async () => {
    expect(await aws.rootVolumeOf(target, "i-0123456789abcdef0")).toBeNull();
    expect(await aws.describeSnapshot(target, "snap-0123456789abcdef0")).toBeNull();
    const unknownVolume = aws.createSnapshot({
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
      aws.launch({
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
