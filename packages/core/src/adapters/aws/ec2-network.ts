import {
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
} from "@aws-sdk/client-ec2";
import type { CloudNetworkInspector } from "../../ports/cloud-network.port";
import type { AwsClientCache } from "./aws-client-cache";
import { callAws } from "./aws-error-mapping";
import { collectPages } from "./batching";

/**
 * The start-up questions to EC2 (which regions the account has enabled, which
 * subnets and security groups exist in which VPC). Subnets and groups are
 * looked up by filter, not by id: an id parameter that names an unknown
 * resource fails the whole call, a filter just leaves it out, and the check
 * wants to name each missing one.
 */
export function createEc2NetworkInspector(clients: AwsClientCache): CloudNetworkInspector {
  return {
    async regions(target) {
      const client = clients.ec2(target);
      const answer = await callAws("ec2", () =>
        client.send(new DescribeRegionsCommand({ AllRegions: true })),
      );
      return (answer.Regions ?? []).flatMap((region) =>
        region.RegionName === undefined
          ? []
          : [{ regionName: region.RegionName, optInStatus: region.OptInStatus ?? "opt-in-not-required" }],
      );
    },
    async subnets(target, subnetIds) {
      if (subnetIds.length === 0) {
        return [];
      }
      const client = clients.ec2(target);
      const found: { subnetId: string; vpcId: string }[] = [];
      await collectPages(
        (NextToken) =>
          callAws("ec2", () =>
            client.send(
              new DescribeSubnetsCommand({
                Filters: [{ Name: "subnet-id", Values: [...subnetIds] }],
                NextToken,
              }),
            ),
          ),
        (page) => {
          for (const subnet of page.Subnets ?? []) {
            if (subnet.SubnetId !== undefined && subnet.VpcId !== undefined) {
              found.push({ subnetId: subnet.SubnetId, vpcId: subnet.VpcId });
            }
          }
          return false;
        },
      );
      return found;
    },
    async securityGroups(target, groupIds) {
      if (groupIds.length === 0) {
        return [];
      }
      const client = clients.ec2(target);
      const found: { groupId: string; vpcId: string }[] = [];
      await collectPages(
        (NextToken) =>
          callAws("ec2", () =>
            client.send(
              new DescribeSecurityGroupsCommand({
                Filters: [{ Name: "group-id", Values: [...groupIds] }],
                NextToken,
              }),
            ),
          ),
        (page) => {
          for (const group of page.SecurityGroups ?? []) {
            if (group.GroupId !== undefined && group.VpcId !== undefined) {
              found.push({ groupId: group.GroupId, vpcId: group.VpcId });
            }
          }
          return false;
        },
      );
      return found;
    },
  };
}
