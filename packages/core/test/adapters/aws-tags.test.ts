import { describe, expect, it } from "vitest";
import { systemActor } from "../../src/domain/actor";
import { createWorker } from "../../src/domain/worker-changes";
import { CloudError } from "../../src/errors";
import { MemoryWorkerRepository } from "../../src/memory/memory-worker-repository";
import type { CloudTarget } from "../../src/ports/cloud-provider.port";
import { launchTags } from "../../src/services/fleet-tags";
import { createTagApplyService } from "../../src/services/tag-apply.service";
import { RecordingPublisher } from "../support/recording-publisher";
import { silentLogger } from "../support/silent-logger";
import { useSimulatedAws } from "../support/simulated-aws";

const target: CloudTarget = { accountId: "default", region: "us-east-1" };
const IMAGE_ID = "ami-0c9f4e2a7b1d83e52";
const noProgress = { report: async () => {} };

describe("tags through the AWS SDK against the simulator", () => {
  const simulated = useSimulatedAws({ bootDelayMs: 50, onError: () => {} });

  it("deleteTags removes keys whatever their values and leaves the others", async () => {
    const launched = await simulated.aws.launch({
      target,
      clientToken: "tags-delete-1",
      name: "tags-delete",
      instanceType: "m5zn.metal",
      imageId: IMAGE_ID,
      tags: { owner: "alice", course: "ccna", "cml-fleet:managed": "true" },
    });
    await simulated.aws.deleteTags(target, [launched.instanceId], ["owner", "not-there"]);
    expect((await simulated.aws.describe(target, launched.instanceId))?.tags).toEqual({
      Name: "tags-delete",
      course: "ccna",
      "cml-fleet:managed": "true",
    });
  });

  it("a refusal by EC2 surfaces as a CloudError with EC2's code", async () => {
    const launched = await simulated.aws.launch({
      target,
      clientToken: "tags-refused-1",
      name: "tags-refused",
      instanceType: "m5zn.metal",
      imageId: IMAGE_ID,
      tags: {},
    });
    const refusal = simulated.aws.setTags(target, [launched.instanceId], { "aws:mine": "x" });
    await expect(refusal).rejects.toBeInstanceOf(CloudError);
    await expect(refusal).rejects.toMatchObject({
      awsCode: "InvalidParameterValue",
      kind: "invalid-parameter",
    });
  });

  it("the apply makes the instance match people's tags, keeps the fleet's own, and a second run sends nothing", async () => {
    const workers = new MemoryWorkerRepository();
    const created = createWorker({
      id: "0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c",
      name: "tag-apply",
      accountId: "default",
      region: "us-east-1",
      instanceType: "m5zn.metal",
      image: { amiId: IMAGE_ID, amiName: null, cmlVersion: null },
      amiId: null,
      tags: { owner: "alice", course: "ccna" },
      idempotencyKey: null,
      createdBy: "test",
      actor: systemActor("bootstrap"),
      now: new Date(),
    });
    const instance = await simulated.aws.launch({
      target,
      clientToken: "tags-apply-1",
      name: created.worker.name,
      instanceType: "m5zn.metal",
      imageId: IMAGE_ID,
      tags: launchTags(created.worker),
    });
    const pendingSince = new Date();
    const worker = (
      await workers.insert(
        {
          ...created.worker,
          status: "RUNNING",
          instanceId: instance.instanceId,
          tags: { course: "ccnp", room: "B12" },
          tagSync: { pendingSince, appliedAt: null, lastError: null },
        },
        [],
      )
    ).worker;
    const service = createTagApplyService({
      workers,
      cloud: simulated.aws,
      publisher: new RecordingPublisher(),
      clock: { now: () => new Date() },
      logger: silentLogger,
    });

    const first = await service.apply(worker.id, systemActor("bootstrap"), noProgress);
    expect(first).toMatchObject({ set: { course: "ccnp", room: "B12" }, removed: ["owner"], skipped: null });
    expect((await simulated.aws.describe(target, instance.instanceId))?.tags).toEqual({
      Name: "tag-apply",
      course: "ccnp",
      room: "B12",
      "cml-fleet:managed": "true",
      "cml-fleet:worker-id": worker.id,
      "cml-fleet:created-by": "test",
    });
    expect((await workers.findById(worker.id))?.tagSync).toMatchObject({
      pendingSince: null,
      lastError: null,
    });

    await simulated.control.resetStats();
    const second = await service.apply(worker.id, systemActor("bootstrap"), noProgress);
    expect(second).toMatchObject({ set: {}, removed: [] });
    const calls = (await simulated.control.stats()).ec2;
    expect(calls.CreateTags ?? 0).toBe(0);
    expect(calls.DeleteTags ?? 0).toBe(0);
  });
});
