import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { type _InstanceType, EC2Client, type RunInstancesCommandInput } from "@aws-sdk/client-ec2";

const credentials = { accessKeyId: "AKIASIMULATOR0000000", secretAccessKey: "simulator-secret" };

export function ec2Client(endpoint: string, region = "us-east-1", maxAttempts = 1): EC2Client {
  return new EC2Client({ endpoint, region, credentials, maxAttempts });
}

export function cloudWatchClient(endpoint: string, region = "us-east-1", maxAttempts = 1): CloudWatchClient {
  return new CloudWatchClient({ endpoint, region, credentials, maxAttempts });
}

/** RunInstances for `count` instances of one image and type, with EC2's verbose tag specification. */
export function runInput(
  imageId: string,
  instanceType: _InstanceType,
  options: { readonly count?: number; readonly tags?: Readonly<Record<string, string>> } = {},
): RunInstancesCommandInput {
  const count = options.count ?? 1;
  const tags = Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  return {
    ImageId: imageId,
    InstanceType: instanceType,
    MinCount: count,
    MaxCount: count,
    ...(tags.length > 0 ? { TagSpecifications: [{ ResourceType: "instance", Tags: tags }] } : {}),
  };
}
