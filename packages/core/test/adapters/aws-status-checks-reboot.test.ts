import { describe, expect, it, vi } from "vitest";
import { CloudError } from "../../src/errors";
import type { CloudTarget } from "../../src/ports/cloud-provider.port";
import { PATIENCE, simCmlView } from "../support/sim-support";
import { useSimulatedAws } from "../support/simulated-aws";

const target: CloudTarget = { accountId: "default", region: "us-east-1" };

// The status-check delay is longer than the boot delay, so `initializing` after a reboot is seen.
const simulated = useSimulatedAws({
  bootDelayMs: 50,
  stopDelayMs: 50,
  statusCheckDelayMs: 400,
  cmlReadyDelayMs: 400,
});

async function runningInstance(): Promise<string> {
  const [seeded] = await simulated.control.seed(1, { "cml-fleet:managed": "true" });
  const instanceId = seeded?.instanceId ?? expect.unreachable("the simulator launched nothing");
  await vi.waitFor(async () => {
    const [check] = await simulated.aws.statusChecks(target, [instanceId]);
    expect(check).toMatchObject({ state: "running", systemStatus: "ok", instanceStatus: "ok" });
  }, PATIENCE);
  return instanceId;
}

describe("EC2 status checks and RebootInstances through the SDK against the simulator", () => {
  it("reports checks forced impaired through the control API, and a reboot starts them over", async () => {
    const instanceId = await runningInstance();

    const patched = (await simulated.control.call("PATCH", `/_sim/instances/${instanceId}`, {
      statusChecks: { system: "impaired" },
    })) as { statusChecks: unknown };
    expect(patched.statusChecks).toEqual({ system: "impaired" });
    expect(await simulated.aws.statusChecks(target, [instanceId])).toEqual([
      { instanceId, state: "running", systemStatus: "impaired", instanceStatus: "ok" },
    ]);

    await simulated.control.call("PATCH", `/_sim/instances/${instanceId}`, {
      statusChecks: { instance: "impaired" },
    });
    expect((await simulated.aws.statusChecks(target, [instanceId]))[0]).toMatchObject({
      systemStatus: "impaired",
      instanceStatus: "impaired",
    });

    await simulated.control.resetStats();
    await simulated.aws.reboot(target, instanceId);
    expect((await simulated.control.stats()).ec2.RebootInstances).toBe(1);
    // Rebooting: still running, checks initializing, CML not ready.
    expect((await simulated.aws.statusChecks(target, [instanceId]))[0]).toMatchObject({
      state: "running",
      systemStatus: "initializing",
      instanceStatus: "initializing",
    });
    expect((await simCmlView(simulated.control, instanceId)).ready).toBe(false);
    // Then up again: both checks ok, CML ready.
    await vi.waitFor(async () => {
      expect((await simulated.aws.statusChecks(target, [instanceId]))[0]).toMatchObject({
        systemStatus: "ok",
        instanceStatus: "ok",
      });
      expect((await simCmlView(simulated.control, instanceId)).ready).toBe(true);
    }, PATIENCE);
  });

  it("hands a check back to the boot delay with null", async () => {
    const instanceId = await runningInstance();
    await simulated.control.call("PATCH", `/_sim/instances/${instanceId}`, {
      statusChecks: { system: "insufficient-data", instance: "impaired" },
    });
    await simulated.control.call("PATCH", `/_sim/instances/${instanceId}`, {
      statusChecks: { instance: null },
    });
    expect((await simulated.aws.statusChecks(target, [instanceId]))[0]).toMatchObject({
      systemStatus: "insufficient-data",
      instanceStatus: "ok",
    });
  });

  it("refuses a malformed patch with a message naming the field, and changes nothing", async () => {
    const instanceId = await runningInstance();
    await expect(
      simulated.control.call("PATCH", `/_sim/instances/${instanceId}`, {
        statusChecks: { system: "broken" },
      }),
    ).rejects.toThrow(/HTTP 400.*statusChecks\.system must be one of/);
    await expect(
      simulated.control.call("PATCH", `/_sim/instances/${instanceId}`, { statusChecks: { kernel: "ok" } }),
    ).rejects.toThrow(/HTTP 400.*statusChecks\.kernel is not a status check/);
    await expect(
      simulated.control.call("PATCH", `/_sim/instances/${instanceId}`, { ready: true }),
    ).rejects.toThrow(/HTTP 400.*unknown field/);
    await expect(
      simulated.control.call("PATCH", "/_sim/instances/i-0123456789abcdef0", {
        statusChecks: { system: "ok" },
      }),
    ).rejects.toThrow(/HTTP 404/);
    expect((await simulated.aws.statusChecks(target, [instanceId]))[0]).toMatchObject({
      systemStatus: "ok",
      instanceStatus: "ok",
    });
  });

  it("refuses to reboot an instance that does not run, as EC2 does", async () => {
    const instanceId = await runningInstance();
    await simulated.aws.stop(target, instanceId);
    await vi.waitFor(
      async () => expect((await simulated.aws.describe(target, instanceId))?.state).toBe("stopped"),
      PATIENCE,
    );
    const error = await simulated.aws.reboot(target, instanceId).then(
      () => expect.unreachable("a stopped instance was rebooted"),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CloudError);
    expect(error).toMatchObject({ awsCode: "IncorrectInstanceState" });
  });
});
