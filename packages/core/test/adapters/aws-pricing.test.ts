import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsPricing, createAwsPricing } from "../../src/adapters/aws/pricing/create-aws-pricing";
import { SIM_CREDENTIALS, simControl } from "../support/sim-support";

let sim: RunningSimulator;
let control: ReturnType<typeof simControl>;
let pricing: AwsPricing;

beforeAll(async () => {
  sim = await startSimulator({ bootDelayMs: 50, stopDelayMs: 50 });
  control = simControl(sim);
  pricing = createAwsPricing({
    // The Price List API answers from eu-central-1 too, for every region.
    pricingRegion: "eu-central-1",
    accounts: { default: {} },
    staticCredentials: SIM_CREDENTIALS,
    endpoints: { pricing: sim.url, ec2: sim.url },
  });
});

afterAll(async () => {
  pricing.close();
  await sim.close();
});

const pricingCalls = async () =>
  ((await control.stats()) as unknown as { pricing: Record<string, number> }).pricing.GetProducts ?? 0;

describe("the AWS Price List API through @aws-sdk/client-pricing, against the simulator", () => {
  it("reads the on-demand Linux shared-tenancy price of a type in a region (not Windows, not dedicated)", async () => {
    await control.resetStats();
    expect(await pricing.priceList.instanceHourlyUsd("c5.2xlarge", "us-east-1")).toBe(0.357);
    expect(await pricing.priceList.instanceHourlyUsd("c5.metal", "us-east-1")).toBe(4.284);
    // eu-west-1 is 12 % dearer in the simulator's list: 0.357 * 1.12.
    expect(await pricing.priceList.instanceHourlyUsd("c5.2xlarge", "eu-west-1")).toBe(0.39984);
    expect(await pricingCalls()).toBe(3);
  });

  it("answers null for a type the price list does not have", async () => {
    expect(await pricing.priceList.instanceHourlyUsd("x9.unknown", "us-east-1")).toBeNull();
    expect(await pricing.priceList.instanceHourlyUsd("c5.2xlarge", "mars-north-1")).toBeNull();
  });

  it("reads EBS prices per GB-month by volume type and region", async () => {
    expect(await pricing.priceList.storageGbMonthUsd("gp3", "us-east-1")).toBe(0.08);
    expect(await pricing.priceList.storageGbMonthUsd("gp2", "us-east-1")).toBe(0.1);
    expect(await pricing.priceList.storageGbMonthUsd("gp3", "eu-west-1")).toBe(0.0896);
  });

  it("raises the Price List API's error when the call is refused", async () => {
    await control.faults({ denyActions: ["GetProducts"] });
    try {
      await expect(pricing.priceList.instanceHourlyUsd("c5.2xlarge", "us-east-1")).rejects.toMatchObject({
        name: "AccessDeniedException",
      });
    } finally {
      await control.clearFaults();
    }
  });

  it("finds the size and type of each instance's volumes with DescribeVolumes", async () => {
    const seeded = await control.seed(3, { "cml-fleet:managed": "true" });
    const ids = seeded.map((instance) => instance.instanceId);
    const volumes = await pricing.volumes.attachedVolumes({ accountId: "default", region: "us-east-1" }, [
      ...ids,
      "i-0000000000000dead",
    ]);
    expect(volumes.size).toBe(3);
    for (const id of ids) {
      expect(volumes.get(id)).toEqual([{ sizeGiB: 64, volumeType: "gp3" }]);
    }
    expect(volumes.has("i-0000000000000dead")).toBe(false);
  });
});
