import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type AwsCloudProvider,
  createAwsCloudProvider,
} from "../../src/adapters/aws/create-aws-cloud-provider";
import { CloudError } from "../../src/errors";
import type { CloudTarget } from "../../src/ports/cloud-provider.port";
import { silentLogger } from "../support/silent-logger";
import { PATIENCE, SIM_CREDENTIALS, simCmlView, simControl } from "./sim-support";

const target: CloudTarget = { accountId: "default", region: "us-east-1" };

let sim: RunningSimulator;
let control: ReturnType<typeof simControl>;
let aws: AwsCloudProvider;

beforeAll(async () => {
  // The status-check delay is longer than the boot delay, so `initializing` after a reboot is seen.
  sim = await startSimulator({
    bootDelayMs: 50,
    stopDelayMs: 50,
    statusCheckDelayMs: 400,
    cmlReadyDelayMs: 400,
  });
  control = simControl(sim);
  aws = createAwsCloudProvider({
    accounts: { default: {} },
    staticCredentials: SIM_CREDENTIALS,
    endpoints: { ec2: sim.url, cloudwatch: sim.url },
    maxAttempts: 1,
    requestTimeoutMs: 10_000,
    logger: silentLogger,
  });
});

afterAll(async () => {
  aws.close();
  await sim.close();
});

async function runningInstance(): Promise<string> {
  const [seeded] = await control.seed(1, { "cml-fleet:managed": "true" });
  const instanceId = seeded?.instanceId ?? expect.unreachable("the simulator launched nothing");
  await vi.waitFor(async () => {
    const [check] = await aws.statusChecks(target, [instanceId]);
    expect(check).toMatchObject({ state: "running", systemStatus: "ok", instanceStatus: "ok" });
  }, PATIENCE);
  return instanceId;
}

describe("EC2 status checks and RebootInstances through the SDK against the simulator", () => {
  it("reports checks forced impaired through the control API, and a reboot starts them over", async () => {
    const instanceId = await runningInstance();

    const patched = (await control.call("PATCH", `/_sim/instances/${instanceId}`, {
      statusChecks: { system: "impaired" },
    })) as { statusChecks: unknown };
    expect(patched.statusChecks).toEqual({ system: "impaired" });
    expect(await aws.statusChecks(target, [instanceId])).toEqual([
      { instanceId, state: "running", systemStatus: "impaired", instanceStatus: "ok" },
    ]);

    await control.call("PATCH", `/_sim/instances/${instanceId}`, { statusChecks: { instance: "impaired" } });
    expect((await aws.statusChecks(target, [instanceId]))[0]).toMatchObject({
      systemStatus: "impaired",
      instanceStatus: "impaired",
    });

    await control.resetStats();
    await aws.reboot(target, instanceId);
    expect((await control.stats()).ec2.RebootInstances).toBe(1);
    // Rebooting: still running, checks initializing, CML not ready.
    expect((await aws.statusChecks(target, [instanceId]))[0]).toMatchObject({
      state: "running",
      systemStatus: "initializing",
      instanceStatus: "initializing",
    });
    expect((await simCmlView(control, instanceId)).ready).toBe(false);
    // Then up again: both checks ok, CML ready.
    await vi.waitFor(async () => {
      expect((await aws.statusChecks(target, [instanceId]))[0]).toMatchObject({
        systemStatus: "ok",
        instanceStatus: "ok",
      });
      expect((await simCmlView(control, instanceId)).ready).toBe(true);
    }, PATIENCE);
  });

  it("hands a check back to the boot delay with null", async () => {
    const instanceId = await runningInstance();
    await control.call("PATCH", `/_sim/instances/${instanceId}`, {
      statusChecks: { system: "insufficient-data", instance: "impaired" },
    });
    await control.call("PATCH", `/_sim/instances/${instanceId}`, { statusChecks: { instance: null } });
    expect((await aws.statusChecks(target, [instanceId]))[0]).toMatchObject({
      systemStatus: "insufficient-data",
      instanceStatus: "ok",
    });
  });

  it("refuses a malformed patch with a message naming the field, and changes nothing", async () => {
    const instanceId = await runningInstance();
    await expect(
      control.call("PATCH", `/_sim/instances/${instanceId}`, { statusChecks: { system: "broken" } }),
    ).rejects.toThrow(/HTTP 400.*statusChecks\.system must be one of/);
    await expect(
      control.call("PATCH", `/_sim/instances/${instanceId}`, { statusChecks: { kernel: "ok" } }),
    ).rejects.toThrow(/HTTP 400.*statusChecks\.kernel is not a status check/);
    await expect(control.call("PATCH", `/_sim/instances/${instanceId}`, { ready: true })).rejects.toThrow(
      /HTTP 400.*unknown field/,
    );
    await expect(
      control.call("PATCH", "/_sim/instances/i-0123456789abcdef0", { statusChecks: { system: "ok" } }),
    ).rejects.toThrow(/HTTP 404/);
    expect((await aws.statusChecks(target, [instanceId]))[0]).toMatchObject({
      systemStatus: "ok",
      instanceStatus: "ok",
    });
  });

  it("refuses to reboot an instance that does not run, as EC2 does", async () => {
    const instanceId = await runningInstance();
    await aws.stop(target, instanceId);
    await vi.waitFor(
      async () => expect((await aws.describe(target, instanceId))?.state).toBe("stopped"),
      PATIENCE,
    );
    const error = await aws.reboot(target, instanceId).then(
      () => expect.unreachable("a stopped instance was rebooted"),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CloudError);
    expect(error).toMatchObject({ awsCode: "IncorrectInstanceState" });
  });
});
