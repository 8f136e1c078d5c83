import { afterEach, describe, expect, it, vi } from "vitest";
import { CloudError, JobTimeoutError } from "../../src/errors";
import type { CloudInstance, CloudProvider, CloudTarget } from "../../src/ports/cloud-provider.port";
import { coalescedDescribes } from "../../src/services/coalesced-describes";
import { type JobDeadline, withinJobDeadline } from "../../src/services/poll";
import { PATIENCE } from "../support/sim-support";
import { useSimulatedAws } from "../support/simulated-aws";

const east: CloudTarget = { accountId: "default", region: "us-east-1" };
const FLEET = { "cml-fleet:managed": "true" };
/** Well-formed ids the simulator never hands out (its ids are random hex). */
const UNKNOWN = ["i-00000000000dead01", "i-00000000000dead02", "i-00000000000dead03"];

/** The port on the real SDK and the simulator, with the ids of each describeMany it is asked recorded. */
function recordingCloud(aws: CloudProvider): { cloud: CloudProvider; batches: string[][] } {
  const batches: string[][] = [];
  return {
    batches,
    cloud: {
      ...aws,
      describeMany: (target, instanceIds) => {
        batches.push([...instanceIds]);
        return aws.describeMany(target, instanceIds);
      },
    },
  };
}

function jobBound(controller: AbortController): JobDeadline {
  return {
    deadline: new Date(Date.now() + 60_000),
    signal: controller.signal,
    setting: "CML_JOB_TIMEOUT",
    boundMs: 60_000,
    what: "start job 1 for worker w-1",
  };
}

/** Describes of booting instances coalesced per region, through the real SDK against the simulator over HTTP. */
describe("describes coalesced into shared DescribeInstances calls", () => {
  // Instances stay pending for the whole file: the looks are those of workers waiting for a boot.
  const simulated = useSimulatedAws({ bootDelayMs: 600_000 });

  afterEach(async () => {
    await simulated.control.clearFaults();
  });

  it("answers 200 concurrent looks in one region with one or two DescribeInstances, each caller its own instance or null", async () => {
    const { aws, control } = simulated;
    const seeded = (await control.seed(197, FLEET)).map((instance) => instance.instanceId);
    const cloud = coalescedDescribes(aws);
    await control.resetStats();

    const asked = [...seeded, ...UNKNOWN];
    const answers = await Promise.all(asked.map((instanceId) => cloud.describe(east, instanceId)));

    const stats = await control.stats();
    expect(stats.ec2.DescribeInstances).toBeGreaterThanOrEqual(1);
    expect(stats.ec2.DescribeInstances).toBeLessThanOrEqual(2);
    for (const [index, instanceId] of seeded.entries()) {
      expect(answers[index]).toMatchObject({ instanceId, region: "us-east-1", state: "pending" });
    }
    expect(answers.slice(seeded.length)).toEqual([null, null, null]);
    // What a lone describe answers, the coalesced one answers too.
    const [first] = seeded;
    expect(await aws.describe(east, first ?? "")).toEqual(answers[0]);
    expect(await aws.describe(east, UNKNOWN[0] ?? "")).toBeNull();
  });

  it("gives callers of the same instance the same answer from one id in the call", async () => {
    const { aws, control } = simulated;
    const [seeded] = await control.seed(1, FLEET);
    const instanceId = seeded?.instanceId ?? expect.unreachable("the simulator launched nothing");
    const { cloud: recorded, batches } = recordingCloud(aws);
    const cloud = coalescedDescribes(recorded);

    const answers = await Promise.all([1, 2, 3, 4].map(() => cloud.describe(east, instanceId)));

    expect(batches).toEqual([[instanceId]]);
    expect(new Set(answers.map((answer) => answer?.instanceId))).toEqual(new Set([instanceId]));
  });

  it("asks for many more looks in calls of at most 200 ids, and none for an id with a wildcard", async () => {
    const { aws, control } = simulated;
    const seeded = (await control.seed(450, FLEET)).map((instance) => instance.instanceId);
    const { cloud: recorded, batches } = recordingCloud(aws);
    const cloud = coalescedDescribes(recorded);
    await control.resetStats();

    const [answers, wildcard] = await Promise.all([
      Promise.all(seeded.map((instanceId) => cloud.describe(east, instanceId))),
      cloud.describe(east, "i-*"),
    ]);

    expect(answers.map((answer) => answer?.instanceId)).toEqual(seeded);
    expect(wildcard).toBeNull();
    expect(batches.map((ids) => ids.length)).toEqual([200, 200, 50]);
    expect((await control.stats()).ec2.DescribeInstances).toBe(3);
  });

  it("keeps the regions apart: one call for each", async () => {
    const { aws, control } = simulated;
    const [inEast] = await control.seed(1, FLEET, "us-east-1");
    const [inWest] = await control.seed(1, FLEET, "us-west-2");
    const { cloud: recorded, batches } = recordingCloud(aws);
    const cloud = coalescedDescribes(recorded);

    const [east1, west1, eastInWest] = await Promise.all([
      cloud.describe(east, inEast?.instanceId ?? ""),
      cloud.describe({ accountId: "default", region: "us-west-2" }, inWest?.instanceId ?? ""),
      cloud.describe({ accountId: "default", region: "us-west-2" }, inEast?.instanceId ?? ""),
    ]);

    expect(east1).toMatchObject({ instanceId: inEast?.instanceId, region: "us-east-1" });
    expect(west1).toMatchObject({ instanceId: inWest?.instanceId, region: "us-west-2" });
    // An instance of another region is not known there, as a lone describe would say.
    expect(eastInWest).toBeNull();
    expect(batches).toHaveLength(2);
  });

  it("hands the error of a batch's call to every caller in it", async () => {
    const { aws, control } = simulated;
    const seeded = (await control.seed(20, FLEET)).map((instance) => instance.instanceId);
    const cloud = coalescedDescribes(aws);
    await control.faults({ denyActions: ["DescribeInstances"] });
    await control.resetStats();

    const outcomes = await Promise.allSettled(seeded.map((instanceId) => cloud.describe(east, instanceId)));

    expect((await control.stats()).ec2.DescribeInstances).toBe(1);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      const reason: unknown = outcome.status === "rejected" ? outcome.reason : null;
      expect(reason).toBeInstanceOf(CloudError);
      expect(reason).toMatchObject({ awsCode: "UnauthorizedOperation", kind: "permission-denied" });
    }

    // The region is not stuck: the next looks are asked and answered.
    await control.clearFaults();
    const again = await cloud.describe(east, seeded[0] ?? "");
    expect(again?.instanceId).toBe(seeded[0]);
  });

  it("releases a caller whose job stops while the call is out; the others in the batch get their answers", async () => {
    const { aws, control } = simulated;
    const [mine, theirs] = (await control.seed(2, FLEET)).map((instance) => instance.instanceId);
    const { cloud: recorded, batches } = recordingCloud(aws);
    const cloud = coalescedDescribes(recorded);
    await control.faults({ latencyMs: 1_500 });

    const job = new AbortController();
    const stopped = withinJobDeadline(jobBound(job), () => cloud.describe(east, mine ?? ""));
    const answered = cloud.describe(east, theirs ?? "");
    stopped.catch(() => undefined);
    await vi.waitFor(() => expect(batches).toHaveLength(1), PATIENCE);
    expect(new Set(batches[0])).toEqual(new Set([mine, theirs]));
    job.abort();

    await expect(stopped).rejects.toBeInstanceOf(JobTimeoutError);
    const theirAnswer: CloudInstance | null = await answered;
    expect(theirAnswer?.instanceId).toBe(theirs);
  });

  it("does not ask for a caller whose job stopped before its batch went, nor queue one already stopped", async () => {
    const { aws, control } = simulated;
    const [mine, theirs] = (await control.seed(2, FLEET)).map((instance) => instance.instanceId);
    const { cloud: recorded, batches } = recordingCloud(aws);
    const cloud = coalescedDescribes(recorded);

    const job = new AbortController();
    const stopped = withinJobDeadline(jobBound(job), () => cloud.describe(east, mine ?? ""));
    stopped.catch(() => undefined);
    job.abort();
    const answered = cloud.describe(east, theirs ?? "");
    const late = withinJobDeadline(jobBound(job), () => cloud.describe(east, theirs ?? ""));
    late.catch(() => undefined);

    await expect(stopped).rejects.toBeInstanceOf(JobTimeoutError);
    await expect(late).rejects.toBeInstanceOf(JobTimeoutError);
    expect((await answered)?.instanceId).toBe(theirs);
    expect(batches).toEqual([[theirs]]);
  });
});
