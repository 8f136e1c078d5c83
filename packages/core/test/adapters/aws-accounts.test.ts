import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AwsCloudProvider } from "../../src/adapters/aws/create-aws-cloud-provider";
import { CloudError } from "../../src/errors";
import type { CloudTarget } from "../../src/ports/cloud-provider.port";
import { launchClientToken } from "../../src/services/launch-client-token";
import { PATIENCE } from "../support/sim-support";
import { simAwsProvider } from "../support/simulated-aws";

const IMAGE_ID = "ami-0c9f4e2a7b1d83e52";
const ACCOUNT_B = "222222222222";
const inDefault: CloudTarget = { accountId: "default", region: "us-east-1" };
const inB: CloudTarget = { accountId: ACCOUNT_B, region: "us-east-1" };

let sim: RunningSimulator;
let aws: AwsCloudProvider;

beforeAll(async () => {
  sim = await startSimulator({ bootDelayMs: 50, stopDelayMs: 50, statusCheckDelayMs: 50 });
  // As the job process configures it: static base credentials, and account B through a role assumed
  // with them at the simulator's STS.
  aws = simAwsProvider(sim, {
    accounts: {
      default: {},
      [ACCOUNT_B]: { roleArn: `arn:aws:iam::${ACCOUNT_B}:role/cml-fleet`, externalId: "fleet-ext" },
    },
    endpoints: { ec2: sim.url, cloudwatch: sim.url, sts: sim.url },
    maxAttempts: 2,
  });
});

afterAll(async () => {
  aws.close();
  await sim.close();
});

async function simAccountOf(instanceId: string): Promise<string | undefined> {
  const response = await fetch(`${sim.url}/_sim/instances`);
  const all = (await response.json()) as { instanceId: string; accountId: string }[];
  return all.find((instance) => instance.instanceId === instanceId)?.accountId;
}

describe("the AWS adapter in several accounts, through the SDK and the simulator's STS", () => {
  it("launches, describes, stops and terminates in the target's account only", async () => {
    const launched = await aws.launch({
      target: inB,
      clientToken: launchClientToken("worker-in-b", 1),
      name: "worker-in-b",
      instanceType: "m5zn.metal",
      imageId: IMAGE_ID,
      tags: { "cml-fleet:managed": "true", "cml-fleet:worker-id": "worker-in-b" },
    });
    expect(await simAccountOf(launched.instanceId)).toBe(ACCOUNT_B);

    // The default account (the fleet's own credentials) does not know the instance, as in AWS.
    expect(await aws.describe(inDefault, launched.instanceId)).toBeNull();
    expect((await aws.describeFleet(inDefault)).map((i) => i.instanceId)).not.toContain(launched.instanceId);
    await expect(aws.stop(inDefault, launched.instanceId)).rejects.toBeInstanceOf(CloudError);

    await vi.waitFor(async () => {
      expect((await aws.describe(inB, launched.instanceId))?.state).toBe("running");
    }, PATIENCE);
    expect((await aws.describeFleet(inB)).map((i) => i.instanceId)).toContain(launched.instanceId);
    const [checks] = await aws.statusChecks(inB, [launched.instanceId]);
    expect(checks?.instanceId).toBe(launched.instanceId);
    const metrics = await aws.metrics(inB, [launched.instanceId], {
      start: new Date(Date.now() - 10 * 60_000),
      end: new Date(),
      periodSeconds: 60,
    });
    expect(metrics.get(launched.instanceId)?.cpuPercent).toEqual(expect.any(Number));
    // CloudWatch of the default account has no datapoints for another account's instance.
    const elsewhere = await aws.metrics(inDefault, [launched.instanceId], {
      start: new Date(Date.now() - 10 * 60_000),
      end: new Date(),
      periodSeconds: 60,
    });
    expect(elsewhere.get(launched.instanceId)?.cpuPercent ?? null).toBeNull();

    expect((await aws.stop(inB, launched.instanceId)).currentState).toBe("stopping");
    await vi.waitFor(async () => {
      expect((await aws.describe(inB, launched.instanceId))?.state).toBe("stopped");
    }, PATIENCE);
    await aws.terminate(inB, launched.instanceId);
    expect(["shutting-down", "terminated"]).toContain((await aws.describe(inB, launched.instanceId))?.state);
  });
});
