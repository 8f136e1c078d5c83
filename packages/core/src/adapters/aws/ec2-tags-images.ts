import { CreateTagsCommand, DeleteTagsCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { cleanOutsideText, OUTSIDE_TEXT_LIMITS } from "../../domain/outside-text";
import type { CloudTarget, MachineImage } from "../../ports/cloud-provider.port";
import type { AwsClientCache } from "./aws-client-cache";
import { callAws } from "./aws-error-mapping";
import { chunk, collectPages } from "./batching";
import { recordToTags } from "./ec2-instance-mapper";

/** CreateTags accepts many resources; keep requests a sane size. */
const TAG_RESOURCES_PER_CALL = 1000;

export async function setTags(
  clients: AwsClientCache,
  target: CloudTarget,
  instanceIds: readonly string[],
  tags: Readonly<Record<string, string>>,
): Promise<void> {
  const Tags = recordToTags(tags);
  if (instanceIds.length === 0 || Tags.length === 0) {
    return;
  }
  const client = clients.ec2(target);
  for (const Resources of chunk(instanceIds, TAG_RESOURCES_PER_CALL)) {
    await callAws("ec2", () => client.send(new CreateTagsCommand({ Resources, Tags })));
  }
}

/**
 * Deletes tag keys whatever their values (no `Value` in the request: EC2 then
 * deletes the key regardless), so a value changed meanwhile is deleted too.
 */
export async function deleteTags(
  clients: AwsClientCache,
  target: CloudTarget,
  instanceIds: readonly string[],
  keys: readonly string[],
): Promise<void> {
  if (instanceIds.length === 0 || keys.length === 0) {
    return;
  }
  const Tags = keys.map((Key) => ({ Key }));
  const client = clients.ec2(target);
  for (const Resources of chunk(instanceIds, TAG_RESOURCES_PER_CALL)) {
    await callAws("ec2", () => client.send(new DeleteTagsCommand({ Resources, Tags })));
  }
}

/** Available images whose name matches `namePattern` (EC2 wildcards `*` and `?`), newest first. */
export async function findImages(
  clients: AwsClientCache,
  target: CloudTarget,
  namePattern: string,
): Promise<MachineImage[]> {
  const client = clients.ec2(target);
  const images: MachineImage[] = [];
  await collectPages(
    (NextToken) =>
      callAws("ec2", () =>
        client.send(
          new DescribeImagesCommand({
            Filters: [{ Name: "name", Values: [namePattern] }],
            MaxResults: 1000,
            NextToken,
          }),
        ),
      ),
    (page) => {
      for (const image of page.Images ?? []) {
        if (image.ImageId !== undefined) {
          const created = image.CreationDate === undefined ? null : new Date(image.CreationDate);
          images.push({
            imageId: image.ImageId,
            // Whoever publishes an AMI names it: outside text, shown with the worker.
            name: cleanOutsideText(image.Name ?? "", OUTSIDE_TEXT_LIMITS.name),
            state: cleanOutsideText(image.State ?? "unknown", OUTSIDE_TEXT_LIMITS.status),
            creationDate: created === null || Number.isNaN(created.getTime()) ? null : created,
          });
        }
      }
      return false;
    },
  );
  return images.sort((a, b) => (b.creationDate?.getTime() ?? 0) - (a.creationDate?.getTime() ?? 0));
}
