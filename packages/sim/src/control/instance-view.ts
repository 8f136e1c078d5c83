import type { InstanceStateName, SimInstance } from "../state/instance";
import { publicIpOf } from "../state/instance";

/** An instance as `GET /_sim/instances` shows it (the contract's shape). */
export interface SimInstanceView {
  readonly instanceId: string;
  readonly region: string;
  readonly state: InstanceStateName;
  readonly instanceType: string;
  readonly imageId: string;
  readonly tags: Record<string, string>;
  readonly publicIp: string | null;
  readonly privateIp: string;
  readonly launchTime: string;
  /** The AWS account that owns it (an addition to the contract's shape). */
  readonly accountId: string;
  /** The EC2 key pair it was launched with, null without one (an addition to the contract's shape). */
  readonly keyName: string | null;
  /** The subnet it was launched into (an addition to the contract's shape). */
  readonly subnetId: string;
  /** Whether it was launched with detailed monitoring (an addition to the contract's shape). */
  readonly detailedMonitoring: boolean;
}

export function instanceView(instance: SimInstance): SimInstanceView {
  return {
    instanceId: instance.instanceId,
    region: instance.region,
    state: instance.state,
    instanceType: instance.instanceType,
    imageId: instance.imageId,
    tags: Object.fromEntries(instance.tags),
    publicIp: publicIpOf(instance),
    privateIp: instance.privateIp,
    launchTime: instance.launchTime.toISOString(),
    accountId: instance.ownerId,
    keyName: instance.keyName,
    subnetId: instance.subnetId,
    detailedMonitoring: instance.detailedMonitoring,
  };
}
