import { DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import type { VolumeInfo } from "../../../domain/price-book";
import type { CloudTarget } from "../../../ports/cloud-provider.port";
import type { VolumeInventory } from "../../../ports/price-list.port";
import type { AwsClientCache } from "../aws-client-cache";
import { chunk } from "../batching";

/** EC2 takes at most 200 values per filter; fewer keeps each request small. */
const INSTANCES_PER_CALL = 100;

/** The volumes attached to the fleet's instances, by `attachment.instance-id` (DescribeVolumes, paged). */
export function createAwsVolumeInventory(clients: Pick<AwsClientCache, "ec2">): VolumeInventory {
  return {
    async attachedVolumes(target: CloudTarget, instanceIds: readonly string[]) {
      const byInstance = new Map<string, VolumeInfo[]>();
      const client = clients.ec2(target);
      for (const ids of chunk(instanceIds, INSTANCES_PER_CALL)) {
        let nextToken: string | undefined;
        do {
          const page = await client.send(
            new DescribeVolumesCommand({
              Filters: [{ Name: "attachment.instance-id", Values: [...ids] }],
              NextToken: nextToken,
            }),
          );
          for (const volume of page.Volumes ?? []) {
            const size = volume.Size;
            if (size === undefined) {
              continue;
            }
            for (const attachment of volume.Attachments ?? []) {
              const instanceId = attachment.InstanceId;
              if (instanceId !== undefined && ids.includes(instanceId)) {
                const volumes = byInstance.get(instanceId) ?? [];
                volumes.push({ sizeGiB: size, volumeType: volume.VolumeType ?? "gp3" });
                byInstance.set(instanceId, volumes);
              }
            }
          }
          nextToken = page.NextToken;
        } while (nextToken !== undefined && nextToken !== "");
      }
      return byInstance;
    },
  };
}
