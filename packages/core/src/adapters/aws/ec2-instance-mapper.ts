import type { InstanceStateChange as Ec2StateChange, Instance, Tag } from "@aws-sdk/client-ec2";
import { type Ec2InstanceState, isEc2InstanceState } from "../../domain/worker-status";
import { CloudError } from "../../errors";
import type { CloudInstance, InstanceStateChange } from "../../ports/cloud-provider.port";

function unexpected(what: string): CloudError {
  return new CloudError("unavailable", "ec2", "UnexpectedResponse", what, null);
}

export function parseInstanceState(name: string | undefined, instanceId: string): Ec2InstanceState {
  if (name === undefined || !isEc2InstanceState(name)) {
    throw unexpected(`instance ${instanceId} has an unknown state ${String(name)}`);
  }
  return name;
}

export function tagsToRecord(tags: readonly Tag[] | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const tag of tags ?? []) {
    if (tag.Key !== undefined) {
      record[tag.Key] = tag.Value ?? "";
    }
  }
  return record;
}

export function recordToTags(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function toCloudInstance(instance: Instance, region: string): CloudInstance {
  const instanceId = instance.InstanceId;
  if (instanceId === undefined) {
    throw unexpected("an instance without InstanceId");
  }
  return {
    instanceId,
    region,
    state: parseInstanceState(instance.State?.Name, instanceId),
    stateReason: instance.StateReason?.Message ?? instance.StateTransitionReason ?? null,
    instanceType: instance.InstanceType ?? "",
    imageId: instance.ImageId ?? "",
    publicIp: instance.PublicIpAddress ?? null,
    privateIp: instance.PrivateIpAddress ?? null,
    launchTime: instance.LaunchTime ?? null,
    tags: tagsToRecord(instance.Tags),
  };
}

export function toStateChange(change: Ec2StateChange | undefined, instanceId: string): InstanceStateChange {
  if (change === undefined) {
    throw unexpected(`no state change returned for ${instanceId}`);
  }
  return {
    instanceId: change.InstanceId ?? instanceId,
    previousState: parseInstanceState(change.PreviousState?.Name, instanceId),
    currentState: parseInstanceState(change.CurrentState?.Name, instanceId),
  };
}
