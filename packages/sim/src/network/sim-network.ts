import { SIM_REGIONS } from "../catalog";

/**
 * The regions, VPCs, subnets and security groups the simulated account has.
 * Every simulated region is enabled and holds one default VPC with one default
 * subnet and its default security group (the ids launches without a network
 * land in); a few opt-in regions exist but are not opted into, so a fleet
 * configured for one of them is refused at start, as AWS would refuse it.
 */
export const SIM_OPT_IN_REGIONS = ["af-south-1", "ap-east-1", "me-south-1"] as const;

export type RegionOptInStatus = "opt-in-not-required" | "opted-in" | "not-opted-in";

export interface SimRegionInfo {
  readonly regionName: string;
  readonly optInStatus: RegionOptInStatus;
}

export interface SimSubnet {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly cidrBlock: string;
}

export interface SimSecurityGroup {
  readonly groupId: string;
  readonly groupName: string;
  readonly vpcId: string;
  readonly region: string;
}

export function simRegions(): readonly SimRegionInfo[] {
  return [
    ...SIM_REGIONS.map((regionName) => ({ regionName, optInStatus: "opt-in-not-required" as const })),
    ...SIM_OPT_IN_REGIONS.map((regionName) => ({ regionName, optInStatus: "not-opted-in" as const })),
  ];
}

export function isEnabledRegion(region: string): boolean {
  return simRegions().some((info) => info.regionName === region && info.optInStatus !== "not-opted-in");
}

export function defaultVpcId(region: string): string {
  return `vpc-0${hexOf(region).slice(0, 16)}`;
}

export function defaultSubnetId(region: string): string {
  return `subnet-0${hexOf(`${region}-subnet`).slice(0, 16)}`;
}

export function defaultSecurityGroupId(region: string): string {
  return `sg-0${hexOf(`${region}-default`).slice(0, 16)}`;
}

/** The subnets of an enabled region (an opt-in region not opted into has none: its endpoint refuses). */
export function subnetsIn(region: string): readonly SimSubnet[] {
  if (!isEnabledRegion(region)) {
    return [];
  }
  return [
    {
      subnetId: defaultSubnetId(region),
      vpcId: defaultVpcId(region),
      region,
      availabilityZone: `${region}a`,
      cidrBlock: "172.31.0.0/20",
    },
  ];
}

export function securityGroupsIn(region: string): readonly SimSecurityGroup[] {
  if (!isEnabledRegion(region)) {
    return [];
  }
  return [
    { groupId: defaultSecurityGroupId(region), groupName: "default", vpcId: defaultVpcId(region), region },
  ];
}

/** A stable hex string per input, so default VPC/subnet/group ids look real and never change. */
export function hexOf(text: string): string {
  let hash = 0x811c9dc5;
  let out = "";
  for (let round = 0; round < 3; round++) {
    for (const char of `${round}${text}`) {
      hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    }
    out += hash.toString(16).padStart(8, "0");
  }
  return out;
}
