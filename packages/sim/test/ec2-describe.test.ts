import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeImagesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  paginateDescribeInstances,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { SIM_IMAGES } from "../src/catalog";
import type { SimInstanceView } from "../src/control/instance-view";
import { ec2Client, runInput } from "./support/aws-clients";
import { control } from "./support/control";
import { useSimulator } from "./support/simulator";

const WEST_IMAGE = SIM_IMAGES["us-west-2"][1]?.imageId ?? "";
const MANAGED = { Name: "tag:cml-fleet:managed", Values: ["true"] };

describe("EC2 describe, tags, idempotency and errors through the AWS SDK", () => {
  const suite = useSimulator({ bootDelayMs: 100, stopDelayMs: 100 }, "us-west-2");

  it("pages 2,500 tagged instances as 3 DescribeInstances pages of at most 1,000", async () => {
    const { sim, ec2 } = suite;
    await control(sim.url, "POST", "/_sim/instances", {
      region: "us-west-2",
      count: 2500,
      tags: { "cml-fleet:managed": "true" },
    });
    await control(sim.url, "POST", "/_sim/instances", {
      region: "us-west-2",
      count: 10,
      tags: { other: "x" },
    });
    await control(sim.url, "POST", "/_sim/instances", {
      region: "eu-west-1",
      count: 5,
      tags: { "cml-fleet:managed": "true" },
    });
    await control(sim.url, "DELETE", "/_sim/stats");

    const pages: number[] = [];
    const seen = new Set<string>();
    for await (const page of paginateDescribeInstances(
      { client: ec2 },
      { Filters: [MANAGED], MaxResults: 1000 },
    )) {
      const instances = page.Reservations?.flatMap((reservation) => reservation.Instances ?? []) ?? [];
      pages.push(instances.length);
      for (const instance of instances) {
        seen.add(instance.InstanceId ?? "");
      }
    }
    expect(pages).toEqual([1000, 1000, 500]);
    expect(seen.size).toBe(2500);
    const stats = await control<{ ec2: Record<string, number> }>(sim.url, "GET", "/_sim/stats");
    expect(stats.ec2.DescribeInstances).toBe(3);

    const statusPages: number[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeInstanceStatusCommand({
          IncludeAllInstances: true,
          MaxResults: 1000,
          NextToken: nextToken,
        }),
      );
      statusPages.push(page.InstanceStatuses?.length ?? 0);
      nextToken = page.NextToken;
    } while (nextToken);
    expect(statusPages).toEqual([1000, 1000, 510]);
  });

  it("filters by tag key, tag wildcard, state and id", async () => {
    const { ec2 } = suite;
    const run = await ec2.send(
      new RunInstancesCommand(runInput(WEST_IMAGE, "c5.metal", { count: 2, tags: { team: "netops-blue" } })),
    );
    const ids = run.Instances?.map((instance) => instance.InstanceId ?? "") ?? [];
    const describe = async (filters: Array<{ Name: string; Values: string[] }>) => {
      const result = await ec2.send(new DescribeInstancesCommand({ Filters: filters }));
      return (
        result.Reservations?.flatMap((reservation) => reservation.Instances ?? []).map(
          (instance) => instance.InstanceId,
        ) ?? []
      );
    };
    expect(await describe([{ Name: "tag:team", Values: ["netops-*"] }])).toEqual(ids);
    expect(await describe([{ Name: "tag-key", Values: ["team"] }])).toEqual(ids);
    expect(await describe([{ Name: "instance-id", Values: [ids[0] ?? ""] }])).toEqual([ids[0]]);
    expect(
      await describe([
        { Name: "tag:team", Values: ["netops-blue"] },
        { Name: "instance-state-name", Values: ["stopped"] },
      ]),
    ).toEqual([]);

    await ec2.send(
      new CreateTagsCommand({
        Resources: ids,
        Tags: [
          { Key: "team", Value: "netops-red" },
          { Key: "Name", Value: "x" },
        ],
      }),
    );
    expect(await describe([{ Name: "tag:team", Values: ["netops-red"] }])).toEqual(ids);
    expect(await describe([{ Name: "tag:team", Values: ["netops-blue"] }])).toEqual([]);
    await ec2.send(new DeleteTagsCommand({ Resources: [ids[0] ?? ""], Tags: [{ Key: "team" }] }));
    expect(await describe([{ Name: "tag:team", Values: ["netops-red"] }])).toEqual([ids[1]]);

    await expect(describe([{ Name: "no-such-filter", Values: ["x"] }])).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
  });

  it("returns the same reservation for a repeated client token and refuses a token reused with other parameters", async () => {
    const { sim, ec2 } = suite;
    const input: RunInstancesCommandInput = {
      ...runInput(WEST_IMAGE, "m5zn.metal", { tags: { Name: "w42" } }),
      ClientToken: "worker-42-attempt-1",
    };
    const first = await ec2.send(new RunInstancesCommand(input));
    const second = await ec2.send(new RunInstancesCommand(input));
    expect(second.Instances?.[0]?.InstanceId).toBe(first.Instances?.[0]?.InstanceId);
    expect(second.ReservationId).toBe(first.ReservationId);
    await expect(
      ec2.send(new RunInstancesCommand({ ...input, InstanceType: "c5.metal" })),
    ).rejects.toMatchObject({
      name: "IdempotentParameterMismatch",
    });
    // Tokens are scoped per region.
    const east = ec2Client(sim.url, "us-east-1");
    await expect(
      east.send(new RunInstancesCommand({ ...input, ImageId: SIM_IMAGES["us-east-1"][0]?.imageId ?? "" })),
    ).resolves.toMatchObject({
      Instances: [expect.objectContaining({ State: { Code: 0, Name: "pending" } })],
    });
    east.destroy();
  });

  it("raises EC2's error codes", async () => {
    const { ec2 } = suite;
    await expect(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] })),
    ).rejects.toMatchObject({
      name: "InvalidInstanceID.NotFound",
      $metadata: { httpStatusCode: 400, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ["bogus"] }))).rejects.toMatchObject({
      name: "InvalidInstanceID.Malformed",
    });
    await expect(
      ec2.send(new RunInstancesCommand(runInput("ami-0123456789abcdef0", "m5zn.metal"))),
    ).rejects.toMatchObject({ name: "InvalidAMIID.NotFound" });
    await expect(
      ec2.send(new RunInstancesCommand(runInput(WEST_IMAGE, "x9.huge" as "m5zn.metal"))),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await expect(ec2.send(new DescribeInstancesCommand({ MaxResults: 3 }))).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
    await expect(
      ec2.send(
        new DescribeInstanceStatusCommand({
          InstanceIds: Array.from({ length: 101 }, (_, i) => `i-${i.toString(16).padStart(17, "0")}`),
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
  });

  it("finds images by name pattern and id", async () => {
    const { ec2 } = suite;
    const byName = await ec2.send(
      new DescribeImagesCommand({ Filters: [{ Name: "name", Values: ["CML-2.9*"] }] }),
    );
    expect(byName.Images?.map((image) => [image.ImageId, image.Name, image.State])).toEqual([
      [WEST_IMAGE, "CML-2.9.0-Ubuntu-22.04", "available"],
    ]);
    const byId = await ec2.send(new DescribeImagesCommand({ ImageIds: [WEST_IMAGE] }));
    expect(byId.Images).toHaveLength(1);
    await expect(
      ec2.send(new DescribeImagesCommand({ ImageIds: ["ami-0fffffffffffffff0"] })),
    ).rejects.toMatchObject({
      name: "InvalidAMIID.NotFound",
    });
  });

  it("injects throttling the SDK retries, denials, limits and capacity shortages", async () => {
    const { sim, ec2 } = suite;
    await control(sim.url, "PUT", "/_sim/faults", { throttleRate: 1 });
    const retrying = ec2Client(sim.url, "us-west-2", 2);
    await expect(retrying.send(new DescribeInstancesCommand({ MaxResults: 5 }))).rejects.toMatchObject({
      name: "RequestLimitExceeded",
      $metadata: { httpStatusCode: 503, attempts: 2 },
    });
    retrying.destroy();
    await control(sim.url, "PUT", "/_sim/faults", { throttleRate: 0, denyActions: ["TerminateInstances"] });
    const victim = await control<SimInstanceView>(sim.url, "POST", "/_sim/instances", {
      region: "us-west-2",
    });
    await expect(
      ec2.send(new TerminateInstancesCommand({ InstanceIds: [victim.instanceId] })),
    ).rejects.toMatchObject({
      name: "UnauthorizedOperation",
    });
    await control(sim.url, "PUT", "/_sim/faults", {
      denyActions: [],
      instanceLimit: 1,
      insufficientCapacityTypes: ["c5.metal"],
    });
    const launch = (type: "m5zn.metal" | "c5.metal") =>
      ec2.send(new RunInstancesCommand(runInput(WEST_IMAGE, type)));
    await expect(launch("m5zn.metal")).rejects.toMatchObject({ name: "InstanceLimitExceeded" });
    await expect(launch("c5.metal")).rejects.toMatchObject({ name: "InsufficientInstanceCapacity" });
    await control(sim.url, "PUT", "/_sim/faults", {
      instanceLimit: null,
      insufficientCapacityTypes: [],
      failRate: 1,
    });
    await expect(ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }))).rejects.toMatchObject({
      name: "InternalError",
    });
    await control(sim.url, "PUT", "/_sim/faults", { failRate: 0 });
    await expect(launch("m5zn.metal")).resolves.toBeDefined();
  });

  it("fails every EC2 call in a region listed in failRegions, and only there", async () => {
    const { sim, ec2 } = suite;
    const east = ec2Client(sim.url, "us-east-1", 1);
    await control(sim.url, "PUT", "/_sim/faults", { failRegions: ["us-west-2"] });
    await expect(ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }))).rejects.toMatchObject({
      name: "InternalError",
      $metadata: { httpStatusCode: 500 },
    });
    await expect(east.send(new DescribeInstancesCommand({ MaxResults: 5 }))).resolves.toBeDefined();
    await control(sim.url, "PUT", "/_sim/faults", { failRegions: [] });
    await expect(ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }))).resolves.toBeDefined();
    east.destroy();
  });
});
