import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  type EC2Client,
  type Instance,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIM_IMAGES } from "../src/catalog";
import { type RunningSimulator, startSimulator } from "../src/simulator";
import { ec2Client } from "./support/aws-clients";
import { eventually } from "./support/eventually";

const IMAGE = SIM_IMAGES["us-east-1"][1]?.imageId ?? "";

describe("EC2 instance lifecycle through the AWS SDK", () => {
  let sim: RunningSimulator;
  let ec2: EC2Client;

  beforeAll(async () => {
    sim = await startSimulator({
      bootDelayMs: 300,
      stopDelayMs: 300,
      statusCheckDelayMs: 400,
      terminatedRetentionMs: 1500,
    });
    ec2 = ec2Client(sim.url);
  });

  afterAll(async () => {
    ec2.destroy();
    await sim.close();
  });

  async function describeOne(instanceId: string): Promise<Instance | undefined> {
    const result = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return result.Reservations?.[0]?.Instances?.[0];
  }

  async function waitForState(instanceId: string, state: string): Promise<Instance> {
    return eventually(async () => {
      const instance = await describeOne(instanceId);
      return instance?.State?.Name === state ? instance : undefined;
    });
  }

  it("launches pending, boots to running, stops, starts and terminates with EC2's codes", async () => {
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: IMAGE,
        InstanceType: "m5zn.metal",
        MinCount: 1,
        MaxCount: 1,
        KeyName: "cml-admin",
        Monitoring: { Enabled: true },
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "lab-1" }] }],
      }),
    );
    const launched = run.Instances?.[0];
    expect(launched?.State).toEqual({ Code: 0, Name: "pending" });
    expect(launched?.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(run.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    const instanceId = launched?.InstanceId ?? "";

    const running = await waitForState(instanceId, "running");
    expect(running.State?.Code).toBe(16);
    expect(running.PublicIpAddress).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(running.PrivateIpAddress).toMatch(/^172\.31\./);
    expect(running.Tags).toEqual([{ Key: "Name", Value: "lab-1" }]);
    expect(running.KeyName).toBe("cml-admin");
    expect(running.Monitoring?.State).toBe("enabled");
    expect(running.LaunchTime).toBeInstanceOf(Date);

    const status = await eventually(async () => {
      const result = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [instanceId] }));
      const entry = result.InstanceStatuses?.[0];
      return entry?.InstanceStatus?.Status === "ok" ? entry : undefined;
    });
    expect(status.SystemStatus?.Status).toBe("ok");

    const stop = await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    expect(stop.StoppingInstances?.[0]).toMatchObject({
      InstanceId: instanceId,
      PreviousState: { Code: 16, Name: "running" },
      CurrentState: { Code: 64, Name: "stopping" },
    });
    const stopped = await waitForState(instanceId, "stopped");
    expect(stopped.StateReason?.Code).toBe("Client.UserInitiatedShutdown");

    const notRunning = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [instanceId] }));
    expect(notRunning.InstanceStatuses).toEqual([]);
    const all = await ec2.send(
      new DescribeInstanceStatusCommand({ InstanceIds: [instanceId], IncludeAllInstances: true }),
    );
    expect(all.InstanceStatuses?.[0]?.InstanceStatus?.Status).toBe("not-applicable");

    const start = await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    expect(start.StartingInstances?.[0]?.CurrentState).toEqual({ Code: 0, Name: "pending" });
    await waitForState(instanceId, "running");

    const terminate = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    expect(terminate.TerminatingInstances?.[0]).toMatchObject({
      PreviousState: { Code: 16, Name: "running" },
      CurrentState: { Code: 32, Name: "shutting-down" },
    });
    const terminated = await waitForState(instanceId, "terminated");
    expect(terminated.State?.Code).toBe(48);
    expect(terminated.PublicIpAddress).toBeUndefined();

    await expect(ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }))).rejects.toMatchObject({
      name: "IncorrectInstanceState",
    });
    // Purged after the retention period: EC2 no longer knows the id.
    await eventually(async () => {
      try {
        await describeOne(instanceId);
        return undefined;
      } catch (error) {
        return (error as Error).name === "InvalidInstanceID.NotFound" ? true : undefined;
      }
    });
    expect(sim.state.store.get(instanceId)).toBeUndefined();
  });

  it("refuses to stop an instance that is still pending", async () => {
    const run = await ec2.send(
      new RunInstancesCommand({ ImageId: IMAGE, InstanceType: "c5.metal", MinCount: 1, MaxCount: 1 }),
    );
    const instanceId = run.Instances?.[0]?.InstanceId ?? "";
    await expect(ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }))).rejects.toMatchObject({
      name: "IncorrectInstanceState",
      $metadata: { httpStatusCode: 400 },
    });
  });
});
