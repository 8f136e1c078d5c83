import type { InstanceStateChange as Ec2StateChange, Instance, Tag } from "@aws-sdk/client-ec2";
import { cleanOutsideText, cleanOutsideTextOrNull, OUTSIDE_TEXT_LIMITS } from "../../domain/outside-text";
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

/**
 * Tags as the fleet keeps them. Anyone with access to the AWS account writes them (an imported instance's
 * Name becomes a worker's name), so keys and values are outside text: cleaned and bounded to EC2's own
 * limits. A key that only matches another once cleaned (`Name` and `Na\u0000me`) never replaces the one
 * that was clean already, so a hostile tag cannot stand in for a real one.
 */
export function tagsToRecord(tags: readonly Tag[] | undefined): Record<string, string> {
  const cleaned = (tags ?? []).flatMap(({ Key, Value }) => {
    if (Key === undefined) {
      return [];
    }
    const key = cleanOutsideText(Key, OUTSIDE_TEXT_LIMITS.tagKey);
    return [
      { key, value: cleanOutsideText(Value ?? "", OUTSIDE_TEXT_LIMITS.tagValue), wasClean: key === Key },
    ];
  });
  const record: Record<string, string> = {};
  // Keys that were clean first; a cleaned one only where no clean key holds its place.
  for (const { key, value } of [
    ...cleaned.filter((tag) => tag.wasClean),
    ...cleaned.filter((tag) => !tag.wasClean),
  ]) {
    if (key !== "" && !Object.hasOwn(record, key)) {
      record[key] = value;
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
    stateReason: cleanOutsideTextOrNull(
      instance.StateReason?.Message ?? instance.StateTransitionReason,
      "message",
    ),
    // EC2's own words, yet they travel to the same screens: cleaned like the rest.
    instanceType: cleanOutsideText(instance.InstanceType ?? "", OUTSIDE_TEXT_LIMITS.status),
    imageId: cleanOutsideText(instance.ImageId ?? "", OUTSIDE_TEXT_LIMITS.status),
    publicIp: instance.PublicIpAddress ?? null,
    privateIp: instance.PrivateIpAddress ?? null,
    launchTime: instance.LaunchTime ?? null,
    tags: tagsToRecord(instance.Tags),
    // "disabling" still publishes every minute until it is done; "pending" does not yet.
    monitoring:
      instance.Monitoring?.State === "enabled" || instance.Monitoring?.State === "disabling"
        ? "detailed"
        : "basic",
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
