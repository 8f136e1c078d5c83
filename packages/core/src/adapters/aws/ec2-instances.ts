import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  type Filter,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { CloudError } from "../../errors";
import type {
  CloudInstance,
  CloudTarget,
  InstanceStateChange,
  LaunchRequest,
} from "../../ports/cloud-provider.port";
import type { AwsClientCache } from "./aws-client-cache";
import type { FleetTag } from "./aws-cloud-options";
import { callAws } from "./aws-error-mapping";
import { chunk, collectPages } from "./batching";
import { recordToTags, toCloudInstance, toStateChange } from "./ec2-instance-mapper";

/** DescribeInstances returns at most 1000 instances a page. */
export const DESCRIBE_PAGE_SIZE = 1000;
/** EC2 accepts at most 200 values in one filter (FilterLimitExceeded beyond). */
export const FILTER_VALUES_PER_CALL = 200;

export interface Ec2InstancesDeps {
  readonly clients: AwsClientCache;
  readonly fleetTag: FleetTag;
}

/**
 * RunInstances' input. `rootDeviceName` (the image's, from DescribeImages) is
 * where a `rootSnapshotId` is mapped, so the root volume is restored from it.
 */
export function runInstancesInput(
  request: LaunchRequest,
  fleetTag: FleetTag,
  rootDeviceName?: string,
): RunInstancesCommandInput {
  // Caller tags first so neither Name nor the fleet marker can be overridden by them.
  const tags = recordToTags({ ...request.tags, Name: request.name, [fleetTag.key]: fleetTag.value });
  const securityGroupIds = request.securityGroupIds === undefined ? undefined : [...request.securityGroupIds];
  // A public-IP choice is only expressible on a network interface, which then also carries subnet and groups.
  const placement: Partial<RunInstancesCommandInput> =
    request.assignPublicIp === undefined
      ? { SubnetId: request.subnetId, SecurityGroupIds: securityGroupIds }
      : {
          NetworkInterfaces: [
            {
              DeviceIndex: 0,
              SubnetId: request.subnetId,
              Groups: securityGroupIds,
              AssociatePublicIpAddress: request.assignPublicIp,
            },
          ],
        };
  return {
    ClientToken: request.clientToken,
    ImageId: request.imageId,
    // EC2 adds instance types faster than this SDK version's enum: pass the name through as given.
    InstanceType: request.instanceType as RunInstancesCommandInput["InstanceType"],
    MinCount: 1,
    MaxCount: 1,
    KeyName: request.keyName,
    // Basic monitoring unless asked: detailed costs $2.10 an instance-month (7 metrics), and the sweep reads CPU
    // and memory from CML itself, asking CloudWatch only for what CML cannot answer.
    Monitoring: { Enabled: request.detailedMonitoring ?? false },
    TagSpecifications: [
      { ResourceType: "instance", Tags: tags },
      { ResourceType: "volume", Tags: tags },
    ],
    BlockDeviceMappings:
      request.rootSnapshotId === undefined || rootDeviceName === undefined
        ? undefined
        : [
            {
              DeviceName: rootDeviceName,
              Ebs: { SnapshotId: request.rootSnapshotId, DeleteOnTermination: true },
            },
          ],
    ...placement,
  };
}

/** The image's root device name, which a root-volume snapshot must be mapped to. */
async function rootDeviceOf(deps: Ec2InstancesDeps, target: CloudTarget, imageId: string): Promise<string> {
  const client = deps.clients.ec2(target);
  const output = await callAws("ec2", () => client.send(new DescribeImagesCommand({ ImageIds: [imageId] })));
  const name = output.Images?.[0]?.RootDeviceName;
  if (name === undefined) {
    throw new CloudError(
      "not-found",
      "ec2",
      "InvalidAMIID.NotFound",
      `image ${imageId} has no root device`,
      null,
    );
  }
  return name;
}

export async function launchInstance(deps: Ec2InstancesDeps, request: LaunchRequest): Promise<CloudInstance> {
  const client = deps.clients.ec2(request.target);
  const rootDeviceName =
    request.rootSnapshotId === undefined
      ? undefined
      : await rootDeviceOf(deps, request.target, request.imageId);
  const output = await callAws("ec2", () =>
    client.send(new RunInstancesCommand(runInstancesInput(request, deps.fleetTag, rootDeviceName))),
  );
  const instance = output.Instances?.[0];
  if (instance === undefined) {
    throw new CloudError(
      "unavailable",
      "ec2",
      "UnexpectedResponse",
      "RunInstances returned no instance",
      null,
    );
  }
  return toCloudInstance(instance, request.target.region);
}

export type StateAction = "start" | "stop" | "terminate";

export async function changeInstanceState(
  deps: Ec2InstancesDeps,
  target: CloudTarget,
  instanceId: string,
  action: StateAction,
): Promise<InstanceStateChange> {
  const client = deps.clients.ec2(target);
  const InstanceIds = [instanceId];
  switch (action) {
    case "start": {
      const output = await callAws("ec2", () => client.send(new StartInstancesCommand({ InstanceIds })));
      return toStateChange(output.StartingInstances?.[0], instanceId);
    }
    case "stop": {
      const output = await callAws("ec2", () => client.send(new StopInstancesCommand({ InstanceIds })));
      return toStateChange(output.StoppingInstances?.[0], instanceId);
    }
    case "terminate": {
      const output = await callAws("ec2", () => client.send(new TerminateInstancesCommand({ InstanceIds })));
      return toStateChange(output.TerminatingInstances?.[0], instanceId);
    }
  }
}

async function describeWithFilters(
  deps: Ec2InstancesDeps,
  target: CloudTarget,
  filters: Filter[],
): Promise<CloudInstance[]> {
  const client = deps.clients.ec2(target);
  const instances: CloudInstance[] = [];
  await collectPages(
    (NextToken) =>
      callAws(
        "ec2",
        (): Promise<DescribeInstancesCommandOutput> =>
          client.send(
            new DescribeInstancesCommand({ Filters: filters, MaxResults: DESCRIBE_PAGE_SIZE, NextToken }),
          ),
      ),
    (page) => {
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          instances.push(toCloudInstance(instance, target.region));
        }
      }
      return false;
    },
  );
  return instances;
}

/** Every fleet-tagged instance: ceil(N / 1000) calls. */
export function describeFleet(deps: Ec2InstancesDeps, target: CloudTarget): Promise<CloudInstance[]> {
  return describeWithFilters(deps, target, [
    { Name: `tag:${deps.fleetTag.key}`, Values: [deps.fleetTag.value] },
  ]);
}

/**
 * Instances by id through the `instance-id` filter rather than `InstanceIds`:
 * an explicit id EC2 does not know fails the whole call, a filter value just
 * matches nothing. ceil(N / 200) calls.
 */
export async function describeMany(
  deps: Ec2InstancesDeps,
  target: CloudTarget,
  instanceIds: readonly string[],
): Promise<CloudInstance[]> {
  const unique = [...new Set(instanceIds)];
  const instances: CloudInstance[] = [];
  for (const ids of chunk(unique, FILTER_VALUES_PER_CALL)) {
    instances.push(...(await describeWithFilters(deps, target, [{ Name: "instance-id", Values: ids }])));
  }
  return instances;
}

export async function describeOne(
  deps: Ec2InstancesDeps,
  target: CloudTarget,
  instanceId: string,
): Promise<CloudInstance | null> {
  const [instance] = await describeMany(deps, target, [instanceId]);
  return instance ?? null;
}
