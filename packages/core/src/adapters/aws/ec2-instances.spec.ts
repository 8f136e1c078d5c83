import { describe, expect, it } from "vitest";
import { runInstancesInput } from "./ec2-instances";

const base = {
  target: { accountId: "default", region: "us-east-1" },
  clientToken: "cml-fleet-w1-1",
  name: "lab-worker-1",
  instanceType: "m5zn.metal",
  imageId: "ami-0123456789abcdef0",
  subnetId: "subnet-1",
  securityGroupIds: ["sg-1"],
  keyName: "fleet-key",
  tags: { "cml-fleet:worker-id": "w1", Name: "spoofed", "cml-fleet:managed": "false" },
};
const fleetTag = { key: "cml-fleet:managed", value: "true" };

describe("runInstancesInput", () => {
  it("tags at launch, with the fleet marker and name winning over caller tags", () => {
    const input = runInstancesInput(base, fleetTag);
    expect(input).toMatchObject({
      ClientToken: "cml-fleet-w1-1",
      ImageId: "ami-0123456789abcdef0",
      InstanceType: "m5zn.metal",
      MinCount: 1,
      MaxCount: 1,
      KeyName: "fleet-key",
      SubnetId: "subnet-1",
      SecurityGroupIds: ["sg-1"],
      // Basic monitoring unless asked: detailed is billed per instance.
      Monitoring: { Enabled: false },
    });
    const instanceTags = input.TagSpecifications?.find((spec) => spec.ResourceType === "instance")?.Tags;
    expect(instanceTags).toEqual(
      expect.arrayContaining([
        { Key: "Name", Value: "lab-worker-1" },
        { Key: "cml-fleet:managed", Value: "true" },
        { Key: "cml-fleet:worker-id", Value: "w1" },
      ]),
    );
    expect(instanceTags).toHaveLength(3);
  });

  it("moves subnet and groups onto the network interface when a public IP is requested", () => {
    const input = runInstancesInput({ ...base, assignPublicIp: true, detailedMonitoring: false }, fleetTag);
    expect(input.SubnetId).toBeUndefined();
    expect(input.SecurityGroupIds).toBeUndefined();
    expect(input.Monitoring).toEqual({ Enabled: false });
    expect(input.NetworkInterfaces).toEqual([
      { DeviceIndex: 0, SubnetId: "subnet-1", Groups: ["sg-1"], AssociatePublicIpAddress: true },
    ]);
  });
});
