import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  paginateDescribeSnapshots,
  RunInstancesCommand,
  type Snapshot,
} from "@aws-sdk/client-ec2";
import { describe, expect, it, vi } from "vitest";
import { SIM_IMAGES } from "../src/catalog";
import type { SimInstanceView } from "../src/control/instance-view";
import { type RunningSimulator, startSimulator } from "../src/simulator";
import { ec2Client } from "./support/aws-clients";
import { control } from "./support/control";
import { PATIENCE, useSimulator } from "./support/simulator";

const REGION = "us-east-1";
const imageId = (SIM_IMAGES[REGION] ?? [])[0]?.imageId ?? "ami-missing";

describe("CreateSnapshot, DescribeSnapshots and DeleteSnapshot behave like EC2, through the AWS SDK", () => {
  const suite = useSimulator({ bootDelayMs: 50, snapshotDelayMs: 400 });

  async function launch(tags: Record<string, string> = {}): Promise<SimInstanceView> {
    return control<SimInstanceView>(suite.sim.url, "POST", "/_sim/instances", { region: REGION, tags });
  }
  const volumeOf = (instance: SimInstanceView) => `vol-${instance.instanceId.slice(2)}`;
  const setLabs = (instanceId: string, labs: unknown) =>
    control(suite.sim.url, "PATCH", `/_sim/instances/${instanceId}/cml`, { labs });
  const describeOne = async (snapshotId: string): Promise<Snapshot | undefined> =>
    (await suite.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots?.[0];

  it("creates a pending snapshot of a root volume, tagged, that completes after the delay with progress 100%", async () => {
    const instance = await launch();
    const created = await suite.ec2.send(
      new CreateSnapshotCommand({
        VolumeId: volumeOf(instance),
        Description: "before the exam",
        TagSpecifications: [
          { ResourceType: "snapshot", Tags: [{ Key: "cml-fleet:worker-id", Value: "w-1" }] },
        ],
      }),
    );
    expect(created).toMatchObject({
      SnapshotId: expect.stringMatching(/^snap-[0-9a-f]{17}$/),
      VolumeId: volumeOf(instance),
      State: "pending",
      VolumeSize: 64,
      Description: "before the exam",
      OwnerId: "123456789012",
      Tags: [{ Key: "cml-fleet:worker-id", Value: "w-1" }],
    });
    expect(created.Progress).toMatch(/^\d{1,2}%$/);
    const snapshotId = created.SnapshotId ?? "";
    await vi.waitFor(async () => {
      expect(await describeOne(snapshotId)).toMatchObject({ State: "completed", Progress: "100%" });
    }, PATIENCE);
  });

  it("finds snapshots by tag, status and volume, owner self only, and pages them with MaxResults/NextToken", async () => {
    const instance = await launch();
    const ids: string[] = [];
    for (let index = 0; index < 7; index++) {
      const created = await suite.ec2.send(
        new CreateSnapshotCommand({
          VolumeId: volumeOf(instance),
          TagSpecifications: [
            { ResourceType: "snapshot", Tags: [{ Key: "batch", Value: index % 2 === 0 ? "even" : "odd" }] },
          ],
        }),
      );
      ids.push(created.SnapshotId ?? "");
    }
    const even = await suite.ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ["self"],
        Filters: [
          { Name: "tag:batch", Values: ["even"] },
          { Name: "volume-id", Values: [volumeOf(instance)] },
        ],
      }),
    );
    expect(even.Snapshots?.map((snapshot) => snapshot.SnapshotId)).toEqual([ids[0], ids[2], ids[4], ids[6]]);
    const otherOwner = await suite.ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ["999999999999"],
        Filters: [{ Name: "tag-key", Values: ["batch"] }],
      }),
    );
    expect(otherOwner.Snapshots).toEqual([]);

    const paged: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeSnapshots(
      { client: suite.ec2, pageSize: 5 },
      { Filters: [{ Name: "volume-id", Values: [volumeOf(instance)] }] },
    )) {
      pages++;
      paged.push(...(page.Snapshots ?? []).map((snapshot) => snapshot.SnapshotId ?? ""));
    }
    expect(paged).toEqual(ids);
    expect(pages).toBe(2);
    await expect(
      suite.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [ids[0] ?? ""], MaxResults: 5 })),
    ).rejects.toMatchObject({
      name: "InvalidParameterCombination",
      message: "The parameter snapshotSet cannot be used with the parameter maxResults",
    });
    await expect(
      suite.ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: "color", Values: ["x"] }] })),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
  });

  it("answers EC2's errors: unknown and malformed volumes and snapshots, wrong tag resource type", async () => {
    await expect(
      suite.ec2.send(new CreateSnapshotCommand({ VolumeId: "vol-0123456789abcdef0" })),
    ).rejects.toMatchObject({ name: "InvalidVolume.NotFound" });
    await expect(suite.ec2.send(new CreateSnapshotCommand({ VolumeId: "disk-1" }))).rejects.toMatchObject({
      name: "InvalidVolumeID.Malformed",
    });
    const instance = await launch();
    await expect(
      suite.ec2.send(
        new CreateSnapshotCommand({
          VolumeId: volumeOf(instance),
          TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "a", Value: "b" }] }],
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await expect(describeOne("snap-0123456789abcdef0")).rejects.toMatchObject({
      name: "InvalidSnapshot.NotFound",
      message: "The snapshot 'snap-0123456789abcdef0' does not exist.",
    });
    await expect(
      suite.ec2.send(new DeleteSnapshotCommand({ SnapshotId: "snap-0123456789abcdef0" })),
    ).rejects.toMatchObject({ name: "InvalidSnapshot.NotFound" });
    await expect(suite.ec2.send(new DeleteSnapshotCommand({ SnapshotId: "nope" }))).rejects.toMatchObject({
      name: "InvalidSnapshotID.Malformed",
    });
  });

  it("deletes a snapshot: it is gone from DescribeSnapshots and a second delete is InvalidSnapshot.NotFound", async () => {
    const instance = await launch();
    const created = await suite.ec2.send(new CreateSnapshotCommand({ VolumeId: volumeOf(instance) }));
    const snapshotId = created.SnapshotId ?? "";
    await suite.ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    await expect(describeOne(snapshotId)).rejects.toMatchObject({ name: "InvalidSnapshot.NotFound" });
    await expect(suite.ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }))).rejects.toMatchObject(
      {
        name: "InvalidSnapshot.NotFound",
      },
    );
  });

  it("keeps snapshots per account and region: another account or region does not see them", async () => {
    const instance = await launch();
    const created = await suite.ec2.send(new CreateSnapshotCommand({ VolumeId: volumeOf(instance) }));
    const snapshotId = created.SnapshotId ?? "";
    const otherRegion = ec2Client(suite.sim.url, "us-west-2");
    const otherAccount = new EC2Client({
      endpoint: suite.sim.url,
      region: REGION,
      credentials: { accessKeyId: "AKIASIM210987654321AB", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    try {
      for (const client of [otherRegion, otherAccount]) {
        await expect(
          client.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })),
        ).rejects.toMatchObject({ name: "InvalidSnapshot.NotFound" });
        expect((await client.send(new DescribeSnapshotsCommand({}))).Snapshots).toEqual([]);
      }
    } finally {
      otherRegion.destroy();
      otherAccount.destroy();
    }
  });

  it("launches from a completed snapshot on the root device: the new instance's CML has the source's labs, none started", async () => {
    const source = await launch();
    await setLabs(source.instanceId, [
      { id: "lab-a", title: "OSPF basics", state: "STARTED", nodeCount: 4 },
      { id: "lab-b", title: "BGP", state: "STOPPED", nodeCount: 7 },
    ]);
    const created = await suite.ec2.send(new CreateSnapshotCommand({ VolumeId: volumeOf(source) }));
    const snapshotId = created.SnapshotId ?? "";
    // Labs changed after the snapshot are not in it.
    await setLabs(source.instanceId, [{ id: "lab-c", title: "later", state: "STOPPED" }]);

    const launchFrom = (SnapshotId: string, DeviceName = "/dev/sda1") =>
      suite.ec2.send(
        new RunInstancesCommand({
          ImageId: imageId,
          InstanceType: "c5.2xlarge",
          MinCount: 1,
          MaxCount: 1,
          BlockDeviceMappings: [{ DeviceName, Ebs: { SnapshotId, DeleteOnTermination: true } }],
        }),
      );
    await expect(launchFrom(snapshotId)).rejects.toMatchObject({ name: "IncorrectState" });
    await vi.waitFor(async () => {
      expect(await describeOne(snapshotId)).toMatchObject({ State: "completed" });
    }, PATIENCE);
    await expect(launchFrom("snap-0123456789abcdef0")).rejects.toMatchObject({
      name: "InvalidSnapshot.NotFound",
    });

    const launched = await launchFrom(snapshotId);
    const instanceId = launched.Instances?.[0]?.InstanceId ?? "";
    const cml = await control<{ labs: unknown[] }>(suite.sim.url, "GET", `/_sim/instances/${instanceId}/cml`);
    expect(cml.labs).toEqual([
      expect.objectContaining({ id: "lab-a", title: "OSPF basics", state: "STOPPED", nodeCount: 4 }),
      expect.objectContaining({ id: "lab-b", title: "BGP", state: "STOPPED", nodeCount: 7 }),
    ]);
    // A data volume from the snapshot brings no labs to the root disk.
    const dataOnly = await launchFrom(snapshotId, "/dev/sdf");
    const plain = await control<{ labs: unknown[] }>(
      suite.sim.url,
      "GET",
      `/_sim/instances/${dataOnly.Instances?.[0]?.InstanceId ?? ""}/cml`,
    );
    expect(plain.labs).toEqual([]);
    const stats = await control<{ ec2: Record<string, number> }>(suite.sim.url, "GET", "/_sim/stats");
    expect(stats.ec2.CreateSnapshot).toBeGreaterThan(0);
    expect(stats.ec2.DescribeSnapshots).toBeGreaterThan(0);
  });
});

describe("EBS snapshots with a state file", () => {
  it("survive a restart with their tags and labs, and a launch from one after it still brings the labs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-ebs-"));
    const statePath = join(dir, "sim-state.json");
    const first = await startSimulator({ bootDelayMs: 50, snapshotDelayMs: 50, statePath });
    let second: RunningSimulator | undefined;
    const ec2First = ec2Client(first.url, REGION);
    try {
      const source = await control<SimInstanceView>(first.url, "POST", "/_sim/instances", { region: REGION });
      await control(first.url, "PATCH", `/_sim/instances/${source.instanceId}/cml`, {
        labs: [{ id: "lab-a", title: "Kept", state: "STOPPED", nodeCount: 3 }],
      });
      const created = await ec2First.send(
        new CreateSnapshotCommand({
          VolumeId: `vol-${source.instanceId.slice(2)}`,
          TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "k", Value: "v" }] }],
        }),
      );
      await first.close();

      second = await startSimulator({ bootDelayMs: 50, snapshotDelayMs: 50, statePath });
      const ec2Second = ec2Client(second.url, REGION);
      try {
        const found = await ec2Second.send(
          new DescribeSnapshotsCommand({ SnapshotIds: [created.SnapshotId ?? ""] }),
        );
        expect(found.Snapshots?.[0]).toMatchObject({ State: "completed", Tags: [{ Key: "k", Value: "v" }] });
        const launched = await ec2Second.send(
          new RunInstancesCommand({
            ImageId: imageId,
            InstanceType: "c5.2xlarge",
            MinCount: 1,
            MaxCount: 1,
            BlockDeviceMappings: [{ DeviceName: "/dev/sda1", Ebs: { SnapshotId: created.SnapshotId ?? "" } }],
          }),
        );
        const cml = await control<{ labs: unknown[] }>(
          second.url,
          "GET",
          `/_sim/instances/${launched.Instances?.[0]?.InstanceId ?? ""}/cml`,
        );
        expect(cml.labs).toEqual([expect.objectContaining({ id: "lab-a", title: "Kept", nodeCount: 3 })]);
      } finally {
        ec2Second.destroy();
      }
    } finally {
      ec2First.destroy();
      await first.close();
      await second?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
