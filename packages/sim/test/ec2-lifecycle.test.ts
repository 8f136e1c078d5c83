import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  type Instance,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { describe, expect, it, vi } from "vitest";
import { SIM_IMAGES } from "../src/catalog";
import { runInput } from "./support/aws-clients";
import { PATIENCE, useSimulator } from "./support/simulator";

const IMAGE = SIM_IMAGES["us-east-1"][1]?.imageId ?? "";

describe("EC2 instance lifecycle through the AWS SDK", () => {
  const suite = useSimulator({
    bootDelayMs: 300,
    stopDelayMs: 300,
    statusCheckDelayMs: 400,
    terminatedRetentionMs: 1500,
  });

  async function describeOne(instanceId: string): Promise<Instance | undefined> {
    const result = await suite.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return result.Reservations?.[0]?.Instances?.[0];
  }

  function waitForState(instanceId: string, state: string): Promise<Instance> {
    return vi.waitFor(async () => {
      const instance = await describeOne(instanceId);
      expect(instance?.State?.Name).toBe(state);
      return instance ?? expect.unreachable();
    }, PATIENCE);
  }

  it("launches pending, boots to running, stops, starts and terminates with EC2's codes", async () => {
    const { ec2 } = suite;
    const run = await ec2.send(
      new RunInstancesCommand({
        ...runInput(IMAGE, "m5zn.metal", { tags: { Name: "lab-1" } }),
        KeyName: "cml-admin",
        Monitoring: { Enabled: true },
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

    const status = await vi.waitFor(async () => {
      const result = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [instanceId] }));
      const entry = result.InstanceStatuses?.[0];
      expect(entry?.InstanceStatus?.Status).toBe("ok");
      return entry ?? expect.unreachable();
    }, PATIENCE);
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
    await vi.waitFor(
      () => expect(describeOne(instanceId)).rejects.toMatchObject({ name: "InvalidInstanceID.NotFound" }),
      PATIENCE,
    );
    expect(suite.sim.state.store.get(instanceId)).toBeUndefined();
  });

  it("refuses to stop an instance that is still pending", async () => {
    const { ec2 } = suite;
    const run = await ec2.send(new RunInstancesCommand(runInput(IMAGE, "c5.metal")));
    const instanceId = run.Instances?.[0]?.InstanceId ?? "";
    await expect(ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }))).rejects.toMatchObject({
      name: "IncorrectInstanceState",
      $metadata: { httpStatusCode: 400 },
    });
  });
});
