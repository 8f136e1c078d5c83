import {
  defaultSecurityGroupId,
  defaultSubnetId,
  defaultVpcId,
  SIM_OPT_IN_REGIONS,
} from "@cml-fleet/sim/network/sim-network";
import { describe, expect, it } from "vitest";
import { createEc2NetworkInspector } from "../../src/adapters/aws/ec2-network";
import { CloudError } from "../../src/errors";
import { CloudStartCheckError, checkCloudAtStart } from "../../src/services/cloud-start-check";
import { loadSettings } from "../../src/settings/load-settings";
import { useSimulatedAws } from "../support/simulated-aws";

const simulated = useSimulatedAws();

const AMIS = JSON.stringify({
  "us-east-1": "ami-0c9f4e2a7b1d83e52",
  "us-west-2": "ami-0f7a3b9c2d1e45a68",
  "af-south-1": "ami-0aaaaaaaaaaaaaaaa",
});

/** The start-up check exactly as the job process builds it, from settings loaded as at start. */
async function startCheck(env: Record<string, string>): Promise<CloudStartCheckError | null> {
  const settings = loadSettings({ CLOUD_PROVIDER: "aws", CML_WORKER_AMI_IDS: AMIS, ...env });
  try {
    await checkCloudAtStart(createEc2NetworkInspector(simulated.aws.clients), {
      accounts: Object.keys(settings.aws.accounts),
      defaultRegion: settings.aws.defaultRegion,
      allowedRegions: settings.aws.allowedRegions,
      networks: settings.worker.networks,
    });
    return null;
  } catch (error) {
    if (error instanceof CloudStartCheckError) {
      return error;
    }
    throw error;
  }
}

describe("EC2 DescribeRegions / DescribeSubnets / DescribeSecurityGroups in the simulator (real SDK)", () => {
  it("lists the enabled regions, and with AllRegions the opt-in ones the account has not enabled", async () => {
    const regions = await createEc2NetworkInspector(simulated.aws.clients).regions({
      accountId: "default",
      region: "us-east-1",
    });
    expect(regions).toContainEqual({ regionName: "us-east-1", optInStatus: "opt-in-not-required" });
    expect(regions).toContainEqual({ regionName: "us-west-2", optInStatus: "opt-in-not-required" });
    for (const optIn of SIM_OPT_IN_REGIONS) {
      expect(regions).toContainEqual({ regionName: optIn, optInStatus: "not-opted-in" });
    }
  });

  it("finds a region's default subnet and security group in its default VPC, and leaves out unknown ids", async () => {
    const inspector = createEc2NetworkInspector(simulated.aws.clients);
    const target = { accountId: "default", region: "us-west-2" };
    expect(
      await inspector.subnets(target, [defaultSubnetId("us-west-2"), "subnet-0ffffffffffffffff"]),
    ).toEqual([{ subnetId: defaultSubnetId("us-west-2"), vpcId: defaultVpcId("us-west-2") }]);
    expect(await inspector.securityGroups(target, [defaultSecurityGroupId("us-west-2"), "sg-0ffff"])).toEqual(
      [{ groupId: defaultSecurityGroupId("us-west-2"), vpcId: defaultVpcId("us-west-2") }],
    );
    // Another region's subnet is not in this one.
    expect(await inspector.subnets(target, [defaultSubnetId("us-east-1")])).toEqual([]);
  });

  it("answers a call into a region the account has not opted into with OptInRequired", async () => {
    const inspector = createEc2NetworkInspector(simulated.aws.clients);
    const failure = await inspector
      .subnets({ accountId: "default", region: "af-south-1" }, ["subnet-0abc"])
      .then(() => null)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CloudError);
    expect(failure instanceof CloudError ? failure.awsCode : null).toBe("OptInRequired");
  });
});

describe("the start-up check of regions and networks (settings loaded with loadSettings)", () => {
  it("passes for enabled regions whose subnet, vpc_id and security groups belong together", async () => {
    const networks = {
      "us-east-1": {
        vpc_id: defaultVpcId("us-east-1"),
        subnet_id: defaultSubnetId("us-east-1"),
        security_group_ids: [defaultSecurityGroupId("us-east-1")],
      },
    };
    expect(
      await startCheck({
        AWS_ALLOWED_REGIONS: "us-east-1,us-west-2",
        CML_WORKER_NETWORK_CONFIG: JSON.stringify(networks),
      }),
    ).toBeNull();
  });

  it("names an opt-in region the account has not enabled (AWS_ALLOWED_REGIONS)", async () => {
    const failure = await startCheck({ AWS_ALLOWED_REGIONS: "us-east-1,af-south-1" });
    expect(failure?.problems).toEqual([
      {
        accountId: "default",
        region: "af-south-1",
        message: expect.stringContaining("opt-in region the account has not enabled"),
      },
    ]);
    expect(failure?.message).toContain("account default, region af-south-1: is an opt-in region");
  });

  it("names a subnet that is not in the region's vpc_id, and a security group that does not exist", async () => {
    const networks = {
      "us-west-2": {
        vpc_id: "vpc-0123456789abcdef0",
        subnet_id: defaultSubnetId("us-west-2"),
        security_group_ids: ["sg-0123456789abcdef0"],
      },
    };
    const failure = await startCheck({
      AWS_ALLOWED_REGIONS: "us-east-1,us-west-2",
      CML_WORKER_NETWORK_CONFIG: JSON.stringify(networks),
    });
    expect(failure?.problems.map((problem) => [problem.region, problem.message])).toEqual([
      [
        "us-west-2",
        `subnet ${defaultSubnetId("us-west-2")} is in ${defaultVpcId("us-west-2")}, not in the configured vpc_id vpc-0123456789abcdef0`,
      ],
      [
        "us-west-2",
        "security group sg-0123456789abcdef0 (CML_WORKER_NETWORK_CONFIG.security_group_ids) does not exist",
      ],
    ]);
  });

  it("names a subnet that does not exist, and a vpc_id given without a subnet", async () => {
    const networks = {
      "us-east-1": { subnet_id: "subnet-0aaaaaaaaaaaaaaaa" },
      "us-west-2": { vpc_id: defaultVpcId("us-west-2") },
    };
    const failure = await startCheck({
      AWS_ALLOWED_REGIONS: "us-east-1,us-west-2",
      CML_WORKER_NETWORK_CONFIG: JSON.stringify(networks),
    });
    expect(failure?.problems.map((problem) => `${problem.region}: ${problem.message}`)).toEqual([
      "us-east-1: subnet subnet-0aaaaaaaaaaaaaaaa (CML_WORKER_NETWORK_CONFIG.subnet_id) does not exist",
      expect.stringMatching(/^us-west-2: vpc_id vpc-0\w+ is set without a subnet_id/),
    ]);
  });
});

describe("AWS_DEFAULT_REGION, the region the start check asks DescribeRegions in", () => {
  const ALLOWED = "us-east-1,af-south-1";

  it("a region the account has not opted into (af-south-1) fails the check, naming the setting and the region", async () => {
    const failure = await startCheck({ AWS_ALLOWED_REGIONS: ALLOWED, AWS_DEFAULT_REGION: "af-south-1" });
    expect(failure?.problems).toEqual([
      {
        accountId: "default",
        region: "af-south-1",
        message: expect.stringContaining("AWS_DEFAULT_REGION af-south-1 is an opt-in region"),
      },
    ]);
    expect(failure?.message).toContain("account default, region af-south-1: AWS_DEFAULT_REGION af-south-1");
  });

  it("asked in us-east-1 with the same allowed regions, DescribeRegions answers and names af-south-1 as not enabled instead", async () => {
    const failure = await startCheck({ AWS_ALLOWED_REGIONS: ALLOWED, AWS_DEFAULT_REGION: "us-east-1" });
    expect(failure?.problems).toEqual([
      {
        accountId: "default",
        region: "af-south-1",
        message: expect.stringMatching(/^is an opt-in region the account has not enabled/),
      },
    ]);
  });

  it("us-east-1 passes when every allowed region is enabled", async () => {
    expect(
      await startCheck({ AWS_ALLOWED_REGIONS: "us-east-1,us-west-2", AWS_DEFAULT_REGION: "us-east-1" }),
    ).toBeNull();
  });
});
