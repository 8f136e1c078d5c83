import {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  type DescribeSnapshotsCommandOutput,
  DescribeVolumesCommand,
  type Snapshot,
} from "@aws-sdk/client-ec2";
import { CloudError } from "../../errors";
import type {
  CloudSnapshot,
  CloudSnapshotState,
  CloudTarget,
  SnapshotRequest,
} from "../../ports/cloud-provider.port";
import type { AwsClientCache } from "./aws-client-cache";
import { callAws } from "./aws-error-mapping";
import { collectPages } from "./batching";
import { recordToTags, tagsToRecord } from "./ec2-instance-mapper";

/** DescribeSnapshots returns at most 1000 snapshots a page. */
export const SNAPSHOT_PAGE_SIZE = 1000;

const SNAPSHOT_STATES: Readonly<Record<string, CloudSnapshotState>> = {
  pending: "pending",
  completed: "completed",
  error: "error",
  // A snapshot being restored from the archive tier is usable later, like a pending one.
  recoverable: "pending",
  recovering: "pending",
};

function toCloudSnapshot(snapshot: Snapshot): CloudSnapshot {
  const snapshotId = snapshot.SnapshotId;
  if (snapshotId === undefined) {
    throw new CloudError("unavailable", "ec2", "UnexpectedResponse", "a snapshot without an id", null);
  }
  const progress = /^(\d{1,3})%$/.exec(snapshot.Progress ?? "");
  return {
    snapshotId,
    volumeId: snapshot.VolumeId ?? "",
    state: SNAPSHOT_STATES[snapshot.State ?? ""] ?? "error",
    progressPercent: progress?.[1] === undefined ? null : Math.min(100, Number(progress[1])),
    sizeGiB: snapshot.VolumeSize ?? null,
    description: snapshot.Description ?? "",
    startTime: snapshot.StartTime ?? null,
    tags: tagsToRecord(snapshot.Tags),
  };
}

/** The volume attached at the instance's root device name (DescribeInstances, then DescribeVolumes). */
export async function rootVolumeOf(
  clients: AwsClientCache,
  target: CloudTarget,
  instanceId: string,
): Promise<string | null> {
  const client = clients.ec2(target);
  const described = await callAws("ec2", () =>
    client.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: [instanceId] }] })),
  );
  const instance = described.Reservations?.flatMap((reservation) => reservation.Instances ?? [])[0];
  if (instance === undefined) {
    return null;
  }
  const rootDevice = instance.RootDeviceName;
  const mapped = instance.BlockDeviceMappings?.find((mapping) => mapping.DeviceName === rootDevice);
  if (mapped?.Ebs?.VolumeId !== undefined) {
    return mapped.Ebs.VolumeId;
  }
  const volumes = await callAws("ec2", () =>
    client.send(
      new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [instanceId] }] }),
    ),
  );
  const root = volumes.Volumes?.find((volume) =>
    (volume.Attachments ?? []).some(
      (attachment) => attachment.InstanceId === instanceId && attachment.Device === rootDevice,
    ),
  );
  return root?.VolumeId ?? null;
}

export async function createSnapshot(
  clients: AwsClientCache,
  request: SnapshotRequest,
): Promise<CloudSnapshot> {
  const client = clients.ec2(request.target);
  const tags = recordToTags(request.tags);
  const output = await callAws("ec2", () =>
    client.send(
      new CreateSnapshotCommand({
        VolumeId: request.volumeId,
        Description: request.description,
        TagSpecifications: tags.length === 0 ? undefined : [{ ResourceType: "snapshot", Tags: tags }],
      }),
    ),
  );
  return toCloudSnapshot(output);
}

export async function describeSnapshot(
  clients: AwsClientCache,
  target: CloudTarget,
  snapshotId: string,
): Promise<CloudSnapshot | null> {
  const client = clients.ec2(target);
  try {
    const output = await callAws("ec2", () =>
      client.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId], OwnerIds: ["self"] })),
    );
    const found = output.Snapshots?.[0];
    return found === undefined ? null : toCloudSnapshot(found);
  } catch (error) {
    if (error instanceof CloudError && error.kind === "not-found") {
      return null;
    }
    throw error;
  }
}

export async function findSnapshots(
  clients: AwsClientCache,
  target: CloudTarget,
  tags: Readonly<Record<string, string>>,
): Promise<CloudSnapshot[]> {
  const client = clients.ec2(target);
  const Filters = Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
  const found: CloudSnapshot[] = [];
  await collectPages(
    (NextToken) =>
      callAws(
        "ec2",
        (): Promise<DescribeSnapshotsCommandOutput> =>
          client.send(
            new DescribeSnapshotsCommand({
              OwnerIds: ["self"],
              Filters,
              MaxResults: SNAPSHOT_PAGE_SIZE,
              NextToken,
            }),
          ),
      ),
    (page) => {
      found.push(...(page.Snapshots ?? []).map(toCloudSnapshot));
      return false;
    },
  );
  return found;
}

export async function deleteSnapshot(
  clients: AwsClientCache,
  target: CloudTarget,
  snapshotId: string,
): Promise<void> {
  const client = clients.ec2(target);
  try {
    await callAws("ec2", () => client.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
  } catch (error) {
    if (error instanceof CloudError && error.kind === "not-found") {
      return;
    }
    throw error;
  }
}
