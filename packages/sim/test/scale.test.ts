import { describe, expect, it } from "vitest";
import type { RunningSimulator } from "../src/simulator";
import { control } from "./support/control";
import { PATIENCE, useSimulator } from "./support/simulator";

/** Raw ec2Query calls: parsing 10,000 instances through the SDK's XML parser would only measure the SDK. */
async function describePage(sim: RunningSimulator, nextToken: string | undefined) {
  const body = new URLSearchParams({
    Action: "DescribeInstances",
    Version: "2016-11-15",
    MaxResults: "1000",
    "Filter.1.Name": "tag:cml-fleet:managed",
    "Filter.1.Value.1": "true",
    ...(nextToken ? { NextToken: nextToken } : {}),
  });
  const response = await fetch(sim.url, {
    method: "POST",
    headers: {
      authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ec2/aws4_request, Signature=x",
    },
    body,
  });
  const xml = await response.text();
  return {
    count: xml.match(/<instanceId>/g)?.length ?? 0,
    nextToken: /<nextToken>([^<]+)<\/nextToken>/.exec(xml)?.[1],
  };
}

describe("10,000 instances", () => {
  const suite = useSimulator({ bootDelayMs: 50 });
  // Booting 10,000 instances and opening their listeners takes a while on a slow machine.
  const patience = { ...PATIENCE, timeout: 60_000 };

  it("launch, boot with a CML listener each, and page in 10 DescribeInstances calls", async () => {
    const { sim } = suite;
    await control(sim.url, "POST", "/_sim/instances", {
      count: 10_000,
      tags: { "cml-fleet:managed": "true" },
    });
    await expect
      .poll(() => sim.state.store.all().every((instance) => instance.state === "running"), patience)
      .toBe(true);
    const counts: number[] = [];
    let nextToken: string | undefined;
    do {
      const page = await describePage(sim, nextToken);
      counts.push(page.count);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(counts).toEqual(Array.from({ length: 10 }, () => 1000));
    const sample = sim.state.store.all()[9_999];
    await expect.poll(() => sample !== undefined && sim.cml.isListening(sample), patience).toBe(true);
  }, 120_000);
});
