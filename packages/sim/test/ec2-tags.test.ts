import { CreateTagsCommand, DeleteTagsCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import type { SimInstanceView } from "../src/control/instance-view";
import { control } from "./support/control";
import { useSimulator } from "./support/simulator";

describe("CreateTags and DeleteTags behave like EC2, through the AWS SDK", () => {
  const suite = useSimulator({ bootDelayMs: 100 });

  async function launch(tags: Record<string, string>): Promise<string> {
    const instance = await control<SimInstanceView>(suite.sim.url, "POST", "/_sim/instances", {
      region: "us-east-1",
      tags,
    });
    return instance.instanceId;
  }
  const tagsOf = async (id: string) =>
    (await control<SimInstanceView>(suite.sim.url, "GET", `/_sim/instances/${id}`)).tags;
  const create = (id: string, tags: Record<string, string>) =>
    suite.ec2.send(
      new CreateTagsCommand({
        Resources: [id],
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );

  it("adds and overwrites tags, and deletes a key whatever its value or only on a matching value", async () => {
    const id = await launch({ owner: "alice", course: "ccna" });

    await create(id, { owner: "bob", room: "B12" });
    expect(await tagsOf(id)).toEqual({ owner: "bob", course: "ccna", room: "B12" });

    await suite.ec2.send(
      new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: "course", Value: "ccnp" }, { Key: "room" }] }),
    );
    expect(await tagsOf(id)).toEqual({ owner: "bob", course: "ccna" });
    // A key the instance does not carry is no error.
    await suite.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: "never-set" }] }));
    expect(await tagsOf(id)).toEqual({ owner: "bob", course: "ccna" });
  });

  it("refuses keys over 128 characters, values over 256 and aws: keys, changing nothing", async () => {
    const id = await launch({ owner: "alice" });

    await expect(create(id, { ok: "1", ["k".repeat(129)]: "v" })).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringMatching(/128/),
    });
    await expect(create(id, { ok: "1", long: "v".repeat(257) })).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringMatching(/256/),
    });
    await expect(create(id, { ok: "1", "AWS:thing": "v" })).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringMatching(/aws:/),
    });
    await expect(
      suite.ec2.send(
        new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: "aws:cloudformation:stack-name" }] }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    expect(await tagsOf(id)).toEqual({ owner: "alice" });

    // At the limits exactly, it is accepted.
    await create(id, { ["k".repeat(128)]: "v".repeat(256) });
    expect(Object.keys(await tagsOf(id))).toHaveLength(2);
  });

  it("refuses a 51st tag on an instance (TagLimitExceeded) and applies nothing of that request", async () => {
    const fortyNine = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, "v"]));
    const id = await launch(fortyNine);

    await expect(create(id, { k0: "changed", extra1: "v", extra2: "v" })).rejects.toMatchObject({
      name: "TagLimitExceeded",
    });
    expect(await tagsOf(id)).toEqual(fortyNine);

    await create(id, { k0: "changed", extra1: "v" });
    expect(Object.keys(await tagsOf(id))).toHaveLength(50);
  });

  it("changes tags behind the fleet's back through the control API, with EC2's checks", async () => {
    const id = await launch({ owner: "alice", course: "ccna" });

    const view = await control<SimInstanceView>(suite.sim.url, "PATCH", `/_sim/instances/${id}/tags`, {
      owner: "carol",
      course: null,
      room: "B12",
    });
    expect(view.tags).toEqual({ owner: "carol", room: "B12" });

    const refused = await fetch(`${suite.sim.url}/_sim/instances/${id}/tags`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ owner: "dave", "aws:x": "1" }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: "InvalidParameterValue" });
    expect(await tagsOf(id)).toEqual({ owner: "carol", room: "B12" });

    const missing = await fetch(`${suite.sim.url}/_sim/instances/i-0123456789abcdef0/tags`, {
      method: "PATCH",
      body: JSON.stringify({ owner: "x" }),
    });
    expect(missing.status).toBe(404);
  });
});
