import { CloudError } from "../errors";
import type { CloudNetworkInspector } from "../ports/cloud-network.port";
import type { CloudTarget } from "../ports/cloud-provider.port";

/** The parts of the settings the start-up check reads. */
export interface CloudStartCheckConfig {
  /** Account keys to check (each may have its own enabled regions and networks). */
  readonly accounts: readonly string[];
  /** Where DescribeRegions is asked (any enabled region answers for the whole account). */
  readonly defaultRegion: string;
  readonly allowedRegions: readonly string[];
  readonly networks: Readonly<
    Record<
      string,
      {
        readonly vpcId: string | null;
        readonly subnetId: string | null;
        readonly securityGroupIds: readonly string[];
      }
    >
  >;
}

/** One thing the account cannot do that the settings ask of it, named by account and region. */
export interface CloudStartProblem {
  readonly accountId: string;
  readonly region: string;
  readonly message: string;
}

/** Thrown at start when the configured regions or networks do not exist for the account. */
export class CloudStartCheckError extends Error {
  constructor(readonly problems: readonly CloudStartProblem[]) {
    super(
      [
        "The AWS account cannot serve the configured regions/networks:",
        ...problems.map((problem) => `  - ${describeProblem(problem)}`),
      ].join("\n"),
    );
    this.name = "CloudStartCheckError";
  }
}

export function describeProblem(problem: CloudStartProblem): string {
  return `account ${problem.accountId}, region ${problem.region}: ${problem.message}`;
}

/**
 * Asks EC2, once per account, whether every allowed region is enabled (an
 * opt-in region must be opted into), and for each region's network setting
 * whether its subnet exists and lies in its `vpc_id`, and whether its security
 * groups exist in that VPC. Returns every problem found, so that one start
 * reports them all instead of a launch failing later in one region.
 */
export async function findCloudStartProblems(
  inspector: CloudNetworkInspector,
  config: CloudStartCheckConfig,
): Promise<CloudStartProblem[]> {
  const problems: CloudStartProblem[] = [];
  for (const accountId of config.accounts) {
    const regions = await regionsOrProblem(inspector, accountId, config.defaultRegion);
    if (!Array.isArray(regions)) {
      problems.push(regions);
      continue;
    }
    const usable: string[] = [];
    for (const region of config.allowedRegions) {
      const status = regions.find((candidate) => candidate.regionName === region);
      if (status === undefined) {
        problems.push({
          accountId,
          region,
          message: "EC2 does not know this region (check AWS_ALLOWED_REGIONS)",
        });
      } else if (status.optInStatus === "not-opted-in") {
        problems.push({
          accountId,
          region,
          message:
            "is an opt-in region the account has not enabled (enable it in the AWS console, or remove it from AWS_ALLOWED_REGIONS)",
        });
      } else {
        usable.push(region);
      }
    }
    for (const region of usable) {
      const network = config.networks[region];
      if (network !== undefined) {
        problems.push(...(await networkProblems(inspector, { accountId, region }, network)));
      }
    }
  }
  return problems;
}

/**
 * The account's regions as DescribeRegions answers them in AWS_DEFAULT_REGION; asked in a region the
 * account has not enabled, AWS refuses (OptInRequired): that is a settings problem naming the setting,
 * not an unexplained AWS error.
 */
async function regionsOrProblem(
  inspector: CloudNetworkInspector,
  accountId: string,
  defaultRegion: string,
): Promise<Awaited<ReturnType<CloudNetworkInspector["regions"]>> | CloudStartProblem> {
  try {
    return await inspector.regions({ accountId, region: defaultRegion });
  } catch (error) {
    if (error instanceof CloudError && error.awsCode === "OptInRequired") {
      return {
        accountId,
        region: defaultRegion,
        message: `AWS_DEFAULT_REGION ${defaultRegion} is an opt-in region the account has not enabled, so DescribeRegions cannot be asked there (set AWS_DEFAULT_REGION to an enabled region, or enable ${defaultRegion} in the AWS console)`,
      };
    }
    throw error;
  }
}

/** Throws a CloudStartCheckError naming every problem, or returns when there is none. */
export async function checkCloudAtStart(
  inspector: CloudNetworkInspector,
  config: CloudStartCheckConfig,
): Promise<void> {
  const problems = await findCloudStartProblems(inspector, config);
  if (problems.length > 0) {
    throw new CloudStartCheckError(problems);
  }
}

async function networkProblems(
  inspector: CloudNetworkInspector,
  target: CloudTarget,
  network: CloudStartCheckConfig["networks"][string],
): Promise<CloudStartProblem[]> {
  const problems: CloudStartProblem[] = [];
  const problem = (message: string) => problems.push({ ...target, message });
  // The VPC the launch lands in: the configured one, else the subnet's own.
  let vpcId = network.vpcId;
  if (network.subnetId === null && vpcId !== null) {
    // RunInstances places an instance in a VPC only through a subnet.
    problem(`vpc_id ${vpcId} is set without a subnet_id; give the subnet of ${vpcId} the workers should use`);
  }
  if (network.subnetId !== null) {
    const [subnet] = await inspector.subnets(target, [network.subnetId]);
    if (subnet === undefined) {
      problem(`subnet ${network.subnetId} (CML_WORKER_NETWORK_CONFIG.subnet_id) does not exist`);
    } else if (vpcId !== null && subnet.vpcId !== vpcId) {
      problem(`subnet ${network.subnetId} is in ${subnet.vpcId}, not in the configured vpc_id ${vpcId}`);
    } else {
      vpcId = subnet.vpcId;
    }
  }
  if (network.securityGroupIds.length > 0) {
    const groups = await inspector.securityGroups(target, network.securityGroupIds);
    for (const groupId of network.securityGroupIds) {
      const group = groups.find((candidate) => candidate.groupId === groupId);
      if (group === undefined) {
        problem(`security group ${groupId} (CML_WORKER_NETWORK_CONFIG.security_group_ids) does not exist`);
      } else if (vpcId !== null && group.vpcId !== vpcId) {
        problem(`security group ${groupId} is in ${group.vpcId}, not in ${vpcId}`);
      }
    }
  }
  return problems;
}
