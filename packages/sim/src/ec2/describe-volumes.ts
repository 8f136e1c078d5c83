import type { SimInstance } from "../state/instance";
import type { Ec2Action } from "./ec2-action";
import { ec2Errors } from "./ec2-error";
import { readFilters, wildcardMatcher } from "./query-params";
import { el, itemSet, type XmlNode } from "./xml";

/** The root volume of the simulated CML AMIs (gp3, as the fleet's AMIs are registered), in GiB. */
export const SIM_ROOT_VOLUME_GIB = 64;
export const SIM_ROOT_VOLUME_TYPE = "gp3";

/** Every instance that is not terminated has its root volume; a terminated one's is deleted with it. */
function volumeId(instance: SimInstance): string {
  return `vol-${instance.instanceId.slice(2)}`;
}

type VolumePredicate = (instance: SimInstance) => boolean;

/**
 * EC2 `DescribeVolumes`: the root volume of each instance of the region,
 * filtered by `attachment.instance-id`, `volume-id`, `volume-type`,
 * `tag:<key>` or explicit `VolumeId.N`. Not paged: the fleet asks for its own instances' volumes.
 */
export const describeVolumes: Ec2Action = (params, region, state) => {
  const ids = params.list("VolumeId");
  const predicates: VolumePredicate[] = readFilters(params).map((filter) => {
    const matchers = filter.values.map(wildcardMatcher);
    const anyValue = (value: string | undefined) =>
      value !== undefined && matchers.some((match) => match(value));
    if (filter.name.startsWith("tag:")) {
      const key = filter.name.slice("tag:".length);
      return (instance) => anyValue(instance.tags.get(key));
    }
    switch (filter.name) {
      case "attachment.instance-id":
        return (instance) => anyValue(instance.instanceId);
      case "volume-id":
        return (instance) => anyValue(volumeId(instance));
      case "volume-type":
        return () => anyValue(SIM_ROOT_VOLUME_TYPE);
      default:
        throw ec2Errors.invalidParameter(`The filter '${filter.name}' is invalid`);
    }
  });
  const volumes = [...state.store.inRegion(region)].filter(
    (instance) =>
      instance.state !== "terminated" &&
      (ids.length === 0 || ids.includes(volumeId(instance))) &&
      predicates.every((matches) => matches(instance)),
  );
  return [itemSet("volumeSet", volumes, volumeXml)];
};

function volumeXml(instance: SimInstance): XmlNode[] {
  return [
    el("volumeId", volumeId(instance)),
    el("size", SIM_ROOT_VOLUME_GIB),
    el("availabilityZone", instance.availabilityZone),
    el("status", "in-use"),
    el("createTime", instance.launchTime.toISOString()),
    el("volumeType", SIM_ROOT_VOLUME_TYPE),
    el("iops", 3000),
    el("throughput", 125),
    el("encrypted", false),
    itemSet("attachmentSet", [instance], (attached) => [
      el("volumeId", volumeId(attached)),
      el("instanceId", attached.instanceId),
      el("device", "/dev/sda1"),
      el("status", "attached"),
      el("attachTime", attached.launchTime.toISOString()),
      el("deleteOnTermination", true),
    ]),
    itemSet("tagSet", [...instance.tags], ([key, value]) => [el("key", key), el("value", value)]),
  ];
}
