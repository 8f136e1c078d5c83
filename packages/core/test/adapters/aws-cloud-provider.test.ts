import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { AwsCloudProviderOptions } from "../../src/adapters/aws/aws-cloud-options";
import type { AwsCloudProvider } from "../../src/adapters/aws/create-aws-cloud-provider";
import type { Ec2InstanceState } from "../../src/domain/worker-status";
import { CloudError } from "../../src/errors";
import type { CloudTarget, LaunchRequest } from "../../src/ports/cloud-provider.port";
import { launchClientToken } from "../../src/services/launch-client-token";
import { PATIENCE, simControl } from "../support/sim-support";
import { simAwsProvider } from "../support/simulated-aws";

const target: CloudTarget = { accountId: "default", region: "us-east-1" };
const IMAGE_ID = "ami-0c9f4e2a7b1d83e52";
const FLEET = { "cml-fleet:managed": "true" };

let sim: RunningSimulator;
let control: ReturnType<typeof simControl>;
const providers: AwsCloudProvider[] = [];

function provider(overrides: Partial<AwsCloudProviderOptions> = {}): AwsCloudProvider {
  const created = simAwsProvider(sim, { maxAttempts: 3, ...overrides });
  providers.push(created);
  return created;
}

function launchRequest(workerId: string, overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    target,
    clientToken: launchClientToken(workerId, 1),
    name: `worker-${workerId}`,
    instanceType: "m5zn.metal",
    imageId: IMAGE_ID,
    tags: { "cml-fleet:worker-id": workerId, "cml-fleet:created-by": "test" },
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<CloudError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CloudError) {
      return error;
    }
    throw error;
  }
  throw new Error("expected a CloudError, but the call succeeded");
}

beforeAll(async () => {
  sim = await startSimulator({ bootDelayMs: 50, stopDelayMs: 50, statusCheckDelayMs: 50 });
  control = simControl(sim);
});

afterEach(async () => {
  await control.clearFaults();
});

afterAll(async () => {
  for (const created of providers) {
    created.close();
  }
  await sim.close();
});

describe("AWS cloud provider against the simulator", () => {
  it("runs the full lifecycle: launch, running, stop, stopped, start, terminate", async () => {
    const aws = provider();
    const waitFor = (instanceId: string, state: Ec2InstanceState) =>
      vi.waitFor(async () => {
        const instance = await aws.describe(target, instanceId);
        expect(instance?.state).toBe(state);
        return instance ?? expect.unreachable();
      }, PATIENCE);

    const launched = await aws.launch(launchRequest("lifecycle-1"));
    expect(launched).toMatchObject({ region: "us-east-1", instanceType: "m5zn.metal", imageId: IMAGE_ID });
    expect(launched.tags).toMatchObject({
      Name: "worker-lifecycle-1",
      "cml-fleet:managed": "true",
      "cml-fleet:worker-id": "lifecycle-1",
      "cml-fleet:created-by": "test",
    });

    const running = await waitFor(launched.instanceId, "running");
    expect(running.publicIp).not.toBeNull();
    expect(running.launchTime).toBeInstanceOf(Date);

    expect(await aws.stop(target, launched.instanceId)).toMatchObject({
      instanceId: launched.instanceId,
      previousState: "running",
      currentState: "stopping",
    });
    await waitFor(launched.instanceId, "stopped");

    expect(await aws.start(target, launched.instanceId)).toMatchObject({ previousState: "stopped" });
    await waitFor(launched.instanceId, "running");

    const terminating = await aws.terminate(target, launched.instanceId);
    expect(terminating.previousState).toBe("running");
    expect(["shutting-down", "terminated"]).toContain(terminating.currentState);
    await waitFor(launched.instanceId, "terminated");
  });

  it("launches once per client token and refuses the token with other parameters", async () => {
    const aws = provider();
    const request = launchRequest("idempotent-1");
    const first = await aws.launch(request);
    const second = await aws.launch(request);
    expect(second.instanceId).toBe(first.instanceId);
    const byWorker = (await aws.describeFleet(target)).filter(
      (instance) => instance.tags["cml-fleet:worker-id"] === "idempotent-1",
    );
    expect(byWorker).toHaveLength(1);

    const mismatch = await rejection(aws.launch({ ...request, instanceType: "c5.metal" }));
    expect(mismatch).toMatchObject({ kind: "invalid-parameter", awsCode: "IdempotentParameterMismatch" });
  });

  it("reads the fleet of 2,500 instances in 3 DescribeInstances calls, skipping untagged ones", async () => {
    const aws = provider({ fleetTag: { key: "batch-fleet", value: "yes" } });
    await control.seed(2_500, { "batch-fleet": "yes" });
    await control.seed(30, { "batch-fleet": "no" });
    await control.resetStats();
    const fleet = await aws.describeFleet(target);
    expect(fleet).toHaveLength(2_500);
    expect(new Set(fleet.map((instance) => instance.instanceId)).size).toBe(2_500);
    expect((await control.stats()).ec2.DescribeInstances).toBe(3);
  });

  it("reads each instance's monitoring from DescribeInstances: detailed when launched with it, basic without", async () => {
    const aws = provider();
    const detailed = await aws.launch(launchRequest("monitoring-1", { detailedMonitoring: true }));
    const basic = await aws.launch(launchRequest("monitoring-2", { detailedMonitoring: false }));
    expect(detailed.monitoring).toBe("detailed");
    expect((await aws.describe(target, detailed.instanceId))?.monitoring).toBe("detailed");
    expect((await aws.describe(target, basic.instanceId))?.monitoring).toBe("basic");
  });

  it("describes many ids through the instance-id filter, leaving unknown ids out", async () => {
    const aws = provider();
    const seeded = await control.seed(450, FLEET, "us-west-2");
    const west = { ...target, region: "us-west-2" };
    const ids = [...seeded.map((instance) => instance.instanceId), "i-0123456789abcdef0"];
    await control.resetStats();
    const found = await aws.describeMany(west, ids);
    expect(found).toHaveLength(450);
    // 451 ids, at most 200 filter values a call.
    expect((await control.stats()).ec2.DescribeInstances).toBe(3);
    expect(await aws.describe(west, "i-0123456789abcdef0")).toBeNull();
  });

  it("reads status checks by id for a few instances and by paging for many", async () => {
    const aws = provider();
    const region = { ...target, region: "eu-west-1" };
    const seeded = await control.seed(1_200, FLEET, "eu-west-1");
    const ids = seeded.map((instance) => instance.instanceId);

    await control.resetStats();
    const few = await aws.statusChecks(region, ids.slice(0, 60));
    expect(few).toHaveLength(60);
    expect(few[0]).toMatchObject({ state: expect.any(String), instanceStatus: expect.any(String) });
    expect((await control.stats()).ec2.DescribeInstanceStatus).toBe(1);

    await control.resetStats();
    const withUnknown = await aws.statusChecks(region, [...ids.slice(0, 10), "i-0fedcba9876543210"]);
    expect(withUnknown.map((check) => check.instanceId).sort()).toEqual(ids.slice(0, 10).sort());

    await control.resetStats();
    const all = await aws.statusChecks(region, ids);
    expect(all).toHaveLength(1_200);
    // 1,200 instances in the region: two pages of 1000 instead of twelve calls of 100 ids.
    expect((await control.stats()).ec2.DescribeInstanceStatus).toBe(2);
  });

  it("sets tags and finds images by name", async () => {
    const aws = provider();
    const launched = await aws.launch(launchRequest("tags-1"));
    await aws.setTags(target, [launched.instanceId], { owner: "alice", course: "ccna" });
    expect((await aws.describe(target, launched.instanceId))?.tags).toMatchObject({
      owner: "alice",
      course: "ccna",
    });

    const images = await aws.findImages(target, "CML-2.9*");
    expect(images.map((image) => image.imageId)).toContain(IMAGE_ID);
    expect(images.every((image) => image.name.startsWith("CML-2.9"))).toBe(true);
  });

  it("maps EC2 errors to typed cloud errors with the AWS code and request id", async () => {
    const aws = provider({ maxAttempts: 1 });

    const unknown = await rejection(aws.stop(target, "i-0123456789abcdef0"));
    expect(unknown).toMatchObject({
      kind: "not-found",
      awsCode: "InvalidInstanceID.NotFound",
      code: "NOT_FOUND",
    });
    expect(unknown.requestId).toEqual(expect.any(String));

    expect(await rejection(aws.stop(target, "bogus"))).toMatchObject({
      kind: "invalid-parameter",
      awsCode: "InvalidInstanceID.Malformed",
    });
    expect(
      await rejection(aws.launch(launchRequest("ami-1", { imageId: "ami-00000000000000000" }))),
    ).toMatchObject({
      kind: "not-found",
      awsCode: "InvalidAMIID.NotFound",
    });
    expect(
      await rejection(aws.launch(launchRequest("type-1", { instanceType: "x9.nonsense" }))),
    ).toMatchObject({
      kind: "invalid-parameter",
      awsCode: "InvalidParameterValue",
    });

    const doomed = await aws.launch(launchRequest("state-1"));
    await aws.terminate(target, doomed.instanceId);
    expect(await rejection(aws.start(target, doomed.instanceId))).toMatchObject({
      kind: "invalid-state",
      awsCode: "IncorrectInstanceState",
      code: "CONFLICT",
    });

    await control.faults({ denyActions: ["TerminateInstances"] });
    const denied = await rejection(aws.terminate(target, "i-0123456789abcdef0"));
    expect(denied).toMatchObject({
      kind: "permission-denied",
      awsCode: "UnauthorizedOperation",
      code: "FORBIDDEN",
    });
    expect(denied.requestId).toEqual(expect.any(String));

    await control.faults({ denyActions: [], instanceLimit: 0 });
    expect(await rejection(aws.launch(launchRequest("quota-1")))).toMatchObject({
      kind: "quota-exceeded",
      awsCode: "InstanceLimitExceeded",
      retryable: false,
    });

    await control.faults({ instanceLimit: null, insufficientCapacityTypes: ["c5.metal"] });
    expect(
      await rejection(aws.launch(launchRequest("capacity-1", { instanceType: "c5.metal" }))),
    ).toMatchObject({
      kind: "unavailable",
      awsCode: "InsufficientInstanceCapacity",
      retryable: true,
    });

    await control.faults({ insufficientCapacityTypes: [], throttleRate: 1 });
    expect(await rejection(aws.describeFleet(target))).toMatchObject({
      kind: "throttled",
      awsCode: "RequestLimitExceeded",
      retryable: true,
    });

    await control.faults({ throttleRate: 0, failRate: 1 });
    expect(await rejection(aws.describeFleet(target))).toMatchObject({
      kind: "unavailable",
      awsCode: "InternalError",
    });
  });

  it("maps a request timeout and a refused connection to unavailable", async () => {
    const slow = provider({ maxAttempts: 1, requestTimeoutMs: 200 });
    await control.faults({ latencyMs: 2_000 });
    expect(await rejection(slow.describeFleet(target))).toMatchObject({
      kind: "unavailable",
      retryable: true,
    });
    await control.faults({ latencyMs: 0 });

    const closedPort = provider({
      maxAttempts: 1,
      endpoints: { ec2: "http://127.0.0.1:9", cloudwatch: "http://127.0.0.1:9" },
    });
    expect(await rejection(closedPort.describeFleet(target))).toMatchObject({
      kind: "unavailable",
      awsCode: "ECONNREFUSED",
    });
  });

  it("absorbs throttling with adaptive retries", async () => {
    const aws = provider({ maxAttempts: 10 });
    await control.faults({ throttleRate: 0.3 });
    await control.resetStats();
    for (let call = 0; call < 20; call += 1) {
      await aws.describe(target, "i-0123456789abcdef0");
    }
    // Every call succeeded, and the simulator saw the throttled attempts too.
    expect((await control.stats()).ec2.DescribeInstances).toBeGreaterThan(20);
  }, 120_000);

  it("creates one SDK client per account, region and service and reuses it", async () => {
    const aws = provider();
    await aws.describeFleet(target);
    await aws.describeFleet(target);
    await aws.describeMany(target, ["i-0123456789abcdef0"]);
    await aws.statusChecks(target, ["i-0123456789abcdef0"]);
    expect(aws.clients.createdCount).toBe(1);
    const client = aws.clients.ec2(target);
    await aws.describeFleet(target);
    expect(aws.clients.ec2(target)).toBe(client);
    await aws.describeFleet({ ...target, region: "us-west-2" });
    expect(aws.clients.createdCount).toBe(2);
  });
});
