import {
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, describe, expect, it } from "vitest";
import { SIM_IMAGES } from "../src/catalog";
import type { SimInstanceView } from "../src/control/instance-view";
import { runInput } from "./support/aws-clients";
import { control } from "./support/control";
import { useSimulator } from "./support/simulator";

const IMAGE = SIM_IMAGES["us-east-1"][1]?.imageId ?? "";
const DEFAULT_ACCOUNT = "123456789012";
const ACCOUNT_B = "222222222222";

/** An EC2 client whose static access key names an account (AKIASIM<12 digits>...). */
function clientOf(endpoint: string, accountId: string): EC2Client {
  return new EC2Client({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: `AKIASIM${accountId}X`, secretAccessKey: "secret" },
    maxAttempts: 1,
  });
}

async function idsSeenBy(client: EC2Client): Promise<string[]> {
  const result = await client.send(new DescribeInstancesCommand({}));
  return (result.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId ?? ""));
}

describe("instances per account", () => {
  const suite = useSimulator({ bootDelayMs: 50, stopDelayMs: 50 });
  const clients: EC2Client[] = [];
  const accountClient = (accountId: string) => {
    const client = clientOf(suite.sim.url, accountId);
    clients.push(client);
    return client;
  };
  afterAll(() => {
    for (const client of clients) {
      client.destroy();
    }
  });

  it("launches in the account the access key names, visible only to that account", async () => {
    const inB = accountClient(ACCOUNT_B);
    const run = await inB.send(new RunInstancesCommand(runInput(IMAGE, "m5zn.metal")));
    const instanceId = run.Instances?.[0]?.InstanceId ?? "";
    expect(run.OwnerId).toBe(ACCOUNT_B);

    const all = await control<SimInstanceView[]>(suite.sim.url, "GET", "/_sim/instances");
    expect(all.find((view) => view.instanceId === instanceId)?.accountId).toBe(ACCOUNT_B);

    expect(await idsSeenBy(inB)).toContain(instanceId);
    // The fleet's default credentials (any other key) act in the default account and do not see it.
    expect(await idsSeenBy(suite.ec2)).not.toContain(instanceId);
    await expect(
      suite.ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] })),
    ).rejects.toMatchObject({
      name: "InvalidInstanceID.NotFound",
    });
    await expect(
      accountClient("333333333333").send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
    ).rejects.toMatchObject({ name: "InvalidInstanceID.NotFound" });
    // Terminate, not stop: a stop is refused while the instance is still pending (as on EC2), which a
    // loaded machine makes a race; a terminate is allowed in any state, so only the account is tested.
    const terminated = await inB.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    expect(terminated.TerminatingInstances?.[0]?.InstanceId).toBe(instanceId);
  });

  it("the control API launches in a named account, and in the default one without it", async () => {
    const inB = await control<SimInstanceView>(suite.sim.url, "POST", "/_sim/instances", {
      region: "us-east-1",
      accountId: ACCOUNT_B,
    });
    const inDefault = await control<SimInstanceView>(suite.sim.url, "POST", "/_sim/instances", {
      region: "us-east-1",
    });
    expect(inB.accountId).toBe(ACCOUNT_B);
    expect(inDefault.accountId).toBe(DEFAULT_ACCOUNT);
    expect(await idsSeenBy(accountClient(ACCOUNT_B))).toContain(inB.instanceId);
    expect(await idsSeenBy(accountClient(ACCOUNT_B))).not.toContain(inDefault.instanceId);
    expect(await idsSeenBy(suite.ec2)).toContain(inDefault.instanceId);
    expect(await idsSeenBy(suite.ec2)).not.toContain(inB.instanceId);
  });

  it("refuses a control launch in a malformed account", async () => {
    const response = await fetch(`${suite.sim.url}/_sim/instances`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ region: "us-east-1", accountId: "not-an-account" }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("accountId must be a 12-digit AWS account id");
  });

  it("the same client token in two accounts launches two instances", async () => {
    const input = { ...runInput(IMAGE, "m5zn.metal"), ClientToken: "same-token-in-two-accounts" };
    const inB = await accountClient(ACCOUNT_B).send(new RunInstancesCommand(input));
    const inDefault = await suite.ec2.send(new RunInstancesCommand(input));
    const again = await accountClient(ACCOUNT_B).send(new RunInstancesCommand(input));
    expect(inB.Instances?.[0]?.InstanceId).not.toBe(inDefault.Instances?.[0]?.InstanceId);
    expect(again.Instances?.[0]?.InstanceId).toBe(inB.Instances?.[0]?.InstanceId);
  });
});
