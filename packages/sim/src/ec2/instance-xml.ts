import {
  INSTANCE_STATE_CODES,
  type InstanceStateName,
  publicIpOf,
  type SimInstance,
} from "../state/instance";
import { el, itemSet, type XmlElement, type XmlNode } from "./xml";

export function stateXml(name: string, state: InstanceStateName): XmlElement {
  return el(name, el("code", INSTANCE_STATE_CODES[state]), el("name", state));
}

export function tagSetXml(tags: ReadonlyMap<string, string>): XmlElement | null {
  if (tags.size === 0) {
    return null;
  }
  return itemSet("tagSet", [...tags], ([key, value]) => [el("key", key), el("value", value)]);
}

/** One `instancesSet` item, as DescribeInstances and RunInstances write it. */
export function instanceXml(instance: SimInstance): XmlNode[] {
  const publicIp = publicIpOf(instance);
  const dnsSuffix = instance.region === "us-east-1" ? "ec2.internal" : `${instance.region}.compute.internal`;
  const privateDns = `ip-${instance.privateIp.replaceAll(".", "-")}.${dnsSuffix}`;
  return [
    el("instanceId", instance.instanceId),
    el("imageId", instance.imageId),
    stateXml("instanceState", instance.state),
    el("privateDnsName", privateDns),
    el("dnsName", publicIp ? `ec2-${publicIp.replaceAll(".", "-")}.compute-1.amazonaws.com` : ""),
    el("reason", instance.stateTransitionReason),
    instance.keyName ? el("keyName", instance.keyName) : null,
    el("amiLaunchIndex", instance.amiLaunchIndex),
    el("productCodes"),
    el("instanceType", instance.instanceType),
    el("launchTime", instance.launchTime.toISOString()),
    el(
      "placement",
      el("availabilityZone", instance.availabilityZone),
      el("groupName"),
      el("tenancy", "default"),
    ),
    el("monitoring", el("state", instance.detailedMonitoring ? "enabled" : "disabled")),
    el("subnetId", instance.subnetId),
    el("vpcId", instance.vpcId),
    el("privateIpAddress", instance.privateIp),
    publicIp ? el("ipAddress", publicIp) : null,
    el("sourceDestCheck", true),
    itemSet("groupSet", instance.securityGroupIds, (groupId) => [
      el("groupId", groupId),
      el("groupName", "cml"),
    ]),
    instance.stateReason
      ? el("stateReason", el("code", instance.stateReason.code), el("message", instance.stateReason.message))
      : null,
    el("architecture", "x86_64"),
    el("rootDeviceType", "ebs"),
    el("rootDeviceName", "/dev/sda1"),
    el("virtualizationType", "hvm"),
    instance.clientToken ? el("clientToken", instance.clientToken) : null,
    tagSetXml(instance.tags),
    el("hypervisor", "xen"),
    el("ebsOptimized", true),
    el("enaSupport", true),
    el("platformDetails", "Linux/UNIX"),
    el("bootMode", "uefi-preferred"),
  ];
}

/** A `reservationSet` item grouping the given instances of one reservation. */
export function reservationXml(
  reservationId: string,
  ownerId: string,
  instances: readonly SimInstance[],
): XmlNode[] {
  return [
    el("reservationId", reservationId),
    el("ownerId", ownerId),
    el("groupSet"),
    itemSet("instancesSet", instances, instanceXml),
  ];
}
