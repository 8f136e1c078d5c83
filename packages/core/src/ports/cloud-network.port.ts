import type { CloudTarget } from "./cloud-provider.port";

/** How AWS describes a region for the account: "opt-in-not-required", "opted-in" or "not-opted-in". */
export interface CloudRegionStatus {
  readonly regionName: string;
  readonly optInStatus: string;
}

export interface CloudSubnet {
  readonly subnetId: string;
  readonly vpcId: string;
}

export interface CloudSecurityGroup {
  readonly groupId: string;
  readonly vpcId: string;
}

/**
 * What the account can use, asked once at start so that a region the account
 * has not enabled, or a subnet outside its configured VPC, is reported by name
 * before any launch fails on it.
 */
export interface CloudNetworkInspector {
  /** Every region with its opt-in status (EC2 DescribeRegions, AllRegions). */
  regions(target: CloudTarget): Promise<CloudRegionStatus[]>;
  /** The subnets among `subnetIds` that exist in the target; unknown ids are left out. */
  subnets(target: CloudTarget, subnetIds: readonly string[]): Promise<CloudSubnet[]>;
  /** The security groups among `groupIds` that exist in the target; unknown ids are left out. */
  securityGroups(target: CloudTarget, groupIds: readonly string[]): Promise<CloudSecurityGroup[]>;
}
