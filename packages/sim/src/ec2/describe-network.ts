import {
  isEnabledRegion,
  type SimSecurityGroup,
  type SimSubnet,
  securityGroupsIn,
  simRegions,
  subnetsIn,
} from "../network/sim-network";
import type { Ec2Action } from "./ec2-action";
import { Ec2Error, ec2Errors } from "./ec2-error";
import type { QueryParams } from "./query-params";
import { readFilters } from "./query-params";
import { el, itemSet } from "./xml";

/**
 * DescribeRegions: the enabled regions, or with `AllRegions=true` every region
 * with its opt-in status (how a fleet learns that a configured region is an
 * opt-in region the account has not enabled). Asked in such a region it
 * answers OptInRequired, as DescribeSubnets and DescribeSecurityGroups do.
 */
export const describeRegions: Ec2Action = (params, region) => {
  // Asked of a region's own endpoint (the fleet's AWS_DEFAULT_REGION): one the account has not enabled refuses.
  refuseDisabledRegion(region);
  const all = params.boolean("AllRegions") === true;
  const names = params.list("RegionName");
  const known = simRegions();
  const unknown = names.filter((name) => !known.some((info) => info.regionName === name));
  if (unknown.length > 0) {
    throw ec2Errors.invalidParameter(`Invalid region names: ${unknown.join(", ")}`);
  }
  const selected = known.filter(
    (info) =>
      (all || info.optInStatus !== "not-opted-in" || names.includes(info.regionName)) &&
      (names.length === 0 || names.includes(info.regionName)),
  );
  return [
    itemSet("regionInfo", selected, (info) => [
      el("regionName", info.regionName),
      el("regionEndpoint", `ec2.${info.regionName}.amazonaws.com`),
      el("optInStatus", info.optInStatus),
    ]),
  ];
};

/** DescribeSubnets by `SubnetId.N` (an unknown id is an error, as on AWS) and the `vpc-id` / `subnet-id` filters. */
export const describeSubnets: Ec2Action = (params, region) => {
  refuseDisabledRegion(region);
  const subnets = subnetsIn(region);
  const ids = params.list("SubnetId");
  const missing = ids.filter((id) => !subnets.some((subnet) => subnet.subnetId === id));
  if (missing.length > 0) {
    throw new Ec2Error("InvalidSubnetID.NotFound", `The subnet ID '${missing.join(", ")}' does not exist`);
  }
  const matches = filterPredicate(params, (name, subnet: SimSubnet) => {
    switch (name) {
      case "vpc-id":
        return subnet.vpcId;
      case "subnet-id":
        return subnet.subnetId;
      default:
        return undefined;
    }
  });
  const selected = subnets.filter(
    (subnet) => (ids.length === 0 || ids.includes(subnet.subnetId)) && matches(subnet),
  );
  return [
    itemSet("subnetSet", selected, (subnet) => [
      el("subnetId", subnet.subnetId),
      el("state", "available"),
      el("vpcId", subnet.vpcId),
      el("cidrBlock", subnet.cidrBlock),
      el("availableIpAddressCount", 4091),
      el("availabilityZone", subnet.availabilityZone),
      el("defaultForAz", true),
      el("mapPublicIpOnLaunch", true),
    ]),
  ];
};

/** DescribeSecurityGroups by `GroupId.N` (an unknown id is an error, as on AWS) and the `vpc-id` / `group-id` filters. */
export const describeSecurityGroups: Ec2Action = (params, region, state) => {
  refuseDisabledRegion(region);
  const groups = securityGroupsIn(region);
  const ids = params.list("GroupId");
  const missing = ids.filter((id) => !groups.some((group) => group.groupId === id));
  if (missing.length > 0) {
    throw new Ec2Error("InvalidGroup.NotFound", `The security group '${missing.join(", ")}' does not exist`);
  }
  const matches = filterPredicate(params, (name, group: SimSecurityGroup) => {
    switch (name) {
      case "vpc-id":
        return group.vpcId;
      case "group-id":
        return group.groupId;
      case "group-name":
        return group.groupName;
      default:
        return undefined;
    }
  });
  const selected = groups.filter(
    (group) => (ids.length === 0 || ids.includes(group.groupId)) && matches(group),
  );
  return [
    itemSet("securityGroupInfo", selected, (group) => [
      el("ownerId", state.accountId),
      el("groupId", group.groupId),
      el("groupName", group.groupName),
      el("groupDescription", "default VPC security group"),
      el("vpcId", group.vpcId),
    ]),
  ];
};

/** AWS answers calls to a region the account has not opted into with OptInRequired. */
function refuseDisabledRegion(region: string): void {
  if (!isEnabledRegion(region) && simRegions().some((info) => info.regionName === region)) {
    throw new Ec2Error(
      "OptInRequired",
      `You are not subscribed to this service in ${region}. Please enable the region for your account.`,
      401,
    );
  }
}

function filterPredicate<T>(
  params: QueryParams,
  field: (name: string, item: T) => string | undefined,
): (item: T) => boolean {
  const filters = readFilters(params);
  return (item) =>
    filters.every((filter) => {
      const value = field(filter.name, item);
      if (value === undefined) {
        throw ec2Errors.invalidParameter(`The filter '${filter.name}' is invalid`);
      }
      return filter.values.includes(value);
    });
}
