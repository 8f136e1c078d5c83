import { randomUUID } from "node:crypto";
import {
  type AwsCloudProvider,
  createAwsCloudProvider,
} from "@cml-fleet/core/adapters/aws/create-aws-cloud-provider";
import { systemActor } from "@cml-fleet/core/domain/actor";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { createSnapshotRepository } from "@cml-fleet/platform/repositories/snapshot.repository";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { codes, gql, workerById } from "../../api/test/graphql/support/graphql-client";
import { patchCml, provisionWorkers, runOnce, waitForWorker } from "../../jobs/test/support/fleet-driver";
import { type FleetHarness, useHarness } from "../../jobs/test/support/fleet-harness";
import { type HarnessApi, useHarnessApi } from "./support/harness-api";

const ADMIN = "cmlf_snapshots-admin-token-0123456789abcdef01234567";

interface SnapshotView {
  readonly id: string;
  readonly snapshotId: string | null;
  readonly workerId: string | null;
  readonly state: string;
  readonly description: string | null;
  readonly sizeGiB: number | null;
}

interface JobPayload {
  readonly worker: { readonly id: string };
  readonly job: { readonly id: string; readonly name: string } | null;
}

const SNAPSHOT = `mutation ($id: ID!, $description: String) {
  snapshotWorker(id: $id, description: $description) { worker { id } job { id name } }
}`;
const CREATE = `mutation ($input: CreateWorkerInput!) { createWorker(input: $input) { worker { id } job { id name } } }`;
const TWO_LABS = [
  { id: "lab-ospf", title: "OSPF area design", state: "STARTED", nodeCount: 6 },
  { id: "lab-bgp", title: "BGP route reflectors", state: "STOPPED", nodeCount: 9 },
];

/** A worker's snapshots as the API lists them, newest first. */
async function snapshotsOf(api: HarnessApi, id: string): Promise<SnapshotView[]> {
  const worker = await workerById<{ snapshots: SnapshotView[] }>(
    api.admin,
    id,
    "snapshots { id snapshotId workerId state description sizeGiB }",
  );
  return (worker ?? expect.unreachable("the worker is gone")).snapshots;
}

/** The fleet's own AWS adapter on the harness's simulator (EC2 only), in the default account. */
function fleetAws(fleet: FleetHarness): AwsCloudProvider {
  return createAwsCloudProvider({
    accounts: { [fleet.settings.aws.defaultAccount]: {} },
    staticCredentials: { accessKeyId: "sim", secretAccessKey: "sim" },
    endpoints: { ec2: fleet.sim.url },
    maxAttempts: 1,
    logger: silentLogger,
  });
}

/**
 * A lab that took a day to build survives its worker: snapshotWorker takes an
 * EBS snapshot of the root volume (a job, through the real AWS adapter against
 * the simulator), the worker is terminated, and createWorker(fromSnapshotId)
 * launches a worker whose CML has the same labs.
 */
describe("snapshots that keep labs, through the API, the job workers and the simulator", () => {
  const fleet = useHarness("snapshots", {
    env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN, CML_LICENSE_TOKEN: "" },
    sim: { snapshotDelayMs: 800 },
  });
  const api = useHarnessApi(fleet, { adminToken: ADMIN });
  let workerId = "";
  let instanceId = "";

  beforeAll(async () => {
    const [worker] = await provisionWorkers(fleet, ["keeps-labs"]);
    workerId = worker?.id ?? expect.unreachable("no worker");
    instanceId = worker?.instanceId ?? expect.unreachable("no instance");
    await patchCml(fleet, instanceId, { labs: TWO_LABS });
    await runOnce(fleet, "telemetry-sweep");
  }, 120_000);

  const labsOf = async (id: string) =>
    (
      (await workerById<{ labs: { id: string; title: string }[] }>(api.admin, id, "labs { id title }")) ??
      expect.unreachable("the worker is gone")
    ).labs;
  const simStats = () => fleet.simJson<{ ec2: Record<string, number> }>("/_sim/stats");

  it("snapshots a worker with two labs, terminates it, and launches a new worker from the snapshot with the same two labs", {
    timeout: 180_000,
  }, async () => {
    expect(await labsOf(workerId)).toEqual([
      { id: "lab-ospf", title: "OSPF area design" },
      { id: "lab-bgp", title: "BGP route reflectors" },
    ]);
    const asked = await api.operator<{ snapshotWorker: JobPayload }>(SNAPSHOT, {
      id: workerId,
      description: "week 3: OSPF and BGP",
    });
    expect(asked.snapshotWorker.job).toMatchObject({ name: "snapshot" });
    const jobId = asked.snapshotWorker.job?.id ?? expect.unreachable("no job");
    // The job reports its progress while EC2 says the snapshot is pending.
    const steps = new Set<string>();
    await vi.waitFor(
      async () => {
        const { job } = await api.admin<{ job: { state: string; step: string | null } | null }>(
          `query ($id: ID!) { job(id: $id) { state step } }`,
          { id: jobId },
        );
        if (job?.step) {
          steps.add(job.step);
        }
        expect(job?.state).toBe("COMPLETED");
      },
      { timeout: 60_000, interval: 50 },
    );
    expect([...steps].some((step) => /^snapshot \d+%$/.test(step) || step === "snapshot completed")).toBe(
      true,
    );

    const [snapshot] = await snapshotsOf(api, workerId);
    expect(snapshot).toMatchObject({
      workerId,
      state: "COMPLETED",
      snapshotId: expect.stringMatching(/^snap-[0-9a-f]{17}$/),
      description: "week 3: OSPF and BGP",
      sizeGiB: 64,
    });
    const snapshotId = snapshot?.id ?? expect.unreachable("no snapshot");
    const completed = (await fleet.workers.listEvents(workerId, 100)).filter(
      (event) => event.type === "worker.snapshot_completed",
    );
    expect(completed).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ id: snapshotId, snapshotId: snapshot?.snapshotId }),
      }),
    ]);

    await api.admin(`mutation ($id: ID!) { terminateWorker(id: $id) { worker { id } } }`, { id: workerId });
    await waitForWorker(fleet, workerId, { status: "TERMINATED" });

    const created = await api.admin<{ createWorker: JobPayload }>(CREATE, {
      input: { name: "restored-labs", region: "us-east-1", fromSnapshotId: snapshotId },
    });
    const restoredId = created.createWorker.worker.id;
    const restored = await waitForWorker(fleet, restoredId, { serviceStatus: "AVAILABLE" });
    expect(restored.instanceId).not.toBe(instanceId);
    await runOnce(fleet, "telemetry-sweep");
    expect(await labsOf(restoredId)).toEqual([
      { id: "lab-ospf", title: "OSPF area design" },
      { id: "lab-bgp", title: "BGP route reflectors" },
    ]);
    const cml = await fleet.simJson<{ labs: { id: string; nodeCount: number; state: string }[] }>(
      `/_sim/instances/${restored.instanceId}/cml`,
    );
    expect(cml.labs.map(({ id, nodeCount, state }) => ({ id, nodeCount, state }))).toEqual([
      { id: "lab-ospf", nodeCount: 6, state: "STOPPED" },
      { id: "lab-bgp", nodeCount: 9, state: "STOPPED" },
    ]);
    const launch = (await fleet.workers.listEvents(restoredId, 100)).find(
      (event) => event.type === "worker.operation_requested" && event.data.operation === "launch",
    );
    expect(launch?.data.launchSnapshot).toEqual({ id: snapshotId, snapshotId: snapshot?.snapshotId });
  });

  it("terminateWorker(snapshot: true) snapshots the root volume first and terminates only once it is COMPLETED", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["snapshot-then-go"]);
    const id = worker?.id ?? expect.unreachable("no worker");
    await patchCml(fleet, worker?.instanceId ?? null, { labs: TWO_LABS });
    const asked = await api.admin<{ terminateWorker: JobPayload }>(
      `mutation ($id: ID!) { terminateWorker(id: $id, snapshot: true) { worker { id } job { id name } } }`,
      { id },
    );
    await fleet.queue.waitForResult(asked.terminateWorker.job?.id ?? expect.unreachable("no job"), 60_000);
    await waitForWorker(fleet, id, { status: "TERMINATED" });
    const [kept] = await snapshotsOf(api, id);
    expect(kept).toMatchObject({
      state: "COMPLETED",
      snapshotId: expect.stringMatching(/^snap-/),
      description: "before terminating snapshot-then-go",
    });
    // Oldest first: the snapshot completed before the instance was asked to shut down.
    const types = (await fleet.workers.listEvents(id, 100))
      .reverse()
      .map((event) =>
        event.type === "worker.status_changed" ? `${event.type}:${String(event.data.to)}` : event.type,
      );
    const completedAt = types.indexOf("worker.snapshot_completed");
    expect(completedAt).toBeGreaterThan(-1);
    expect(types.indexOf("worker.status_changed:SHUTTING_DOWN")).toBeGreaterThan(completedAt);

    // The labs are in it: a worker launched from it has them.
    const created = await api.admin<{ createWorker: JobPayload }>(CREATE, {
      input: { name: "after-terminate", region: "us-east-1", fromSnapshotId: kept?.id },
    });
    const restored = await waitForWorker(fleet, created.createWorker.worker.id, {
      serviceStatus: "AVAILABLE",
    });
    const cml = await fleet.simJson<{ labs: { id: string }[] }>(`/_sim/instances/${restored.instanceId}/cml`);
    expect(cml.labs.map((lab) => lab.id)).toEqual(["lab-ospf", "lab-bgp"]);
  });

  it("terminateWorker(snapshot: true) whose snapshot fails terminates nothing: the instance runs on, the snapshot shows ERROR", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["snapshot-refused"]);
    const id = worker?.id ?? expect.unreachable("no worker");
    const faults = (body: unknown) =>
      fleet.simJson("/_sim/faults", { method: "PUT", body: JSON.stringify(body) });
    await faults({ denyActions: ["CreateSnapshot"] });
    try {
      const asked = await api.admin<{ terminateWorker: JobPayload }>(
        `mutation ($id: ID!) { terminateWorker(id: $id, snapshot: true) { worker { id } job { id name } } }`,
        { id },
      );
      const jobId = asked.terminateWorker.job?.id ?? expect.unreachable("no job");
      await vi.waitFor(
        async () => {
          const { job } = await api.admin<{ job: { state: string } | null }>(
            `query ($id: ID!) { job(id: $id) { state } }`,
            { id: jobId },
          );
          expect(job?.state).toBe("FAILED");
        },
        { timeout: 60_000, interval: 100 },
      );
    } finally {
      await faults({ denyActions: [] });
    }
    const instance = await fleet.simJson<{ state: string }>(`/_sim/instances/${worker?.instanceId ?? ""}`);
    expect(instance.state).toBe("running");
    expect((await fleet.workers.findById(id))?.status).toBe("RUNNING");
    await vi.waitFor(
      async () => {
        expect(await snapshotsOf(api, id)).toEqual([
          expect.objectContaining({ state: "ERROR", snapshotId: null }),
        ]);
      },
      { timeout: 20_000, interval: 100 },
    );
  });

  it("refuses bad input and changes nothing: unknown or malformed snapshot, another region's, a description with control characters", {
    timeout: 60_000,
  }, async () => {
    const [other] = await provisionWorkers(fleet, ["other-region-source"]);
    const sourceId = other?.id ?? expect.unreachable("no worker");
    const repository = createSnapshotRepository(fleet.testDb.db);
    // A completed snapshot of us-west-2 (as one taken of a worker there would be).
    const westId = randomUUID();
    await repository.insertIfAbsent({
      id: westId,
      workerId: sourceId,
      accountId: fleet.settings.aws.defaultAccount,
      region: "us-west-2",
      description: null,
      createdAt: new Date(),
    });
    await repository.update(westId, {
      snapshotId: "snap-0123456789abcdef0",
      state: "COMPLETED",
      sizeGiB: 64,
    });
    const pendingId = randomUUID();
    await repository.insertIfAbsent({
      id: pendingId,
      workerId: sourceId,
      accountId: fleet.settings.aws.defaultAccount,
      region: "us-east-1",
      description: null,
      createdAt: new Date(),
    });

    const workersBefore = (await fleet.workers.list({}, 100, null)).totalCount;
    const statsBefore = await simStats();
    const create = (fromSnapshotId: string) =>
      gql(api.url, CREATE, {
        token: ADMIN,
        variables: { input: { name: "never", region: "us-east-1", fromSnapshotId } },
      });
    const unknown = await create(randomUUID());
    expect(codes(unknown)).toEqual(["NOT_FOUND"]);
    const malformed = await create("snap-0123456789abcdef0");
    expect(codes(malformed)).toEqual(["BAD_USER_INPUT"]);
    const west = await create(westId);
    expect(codes(west)).toEqual(["BAD_USER_INPUT"]);
    expect(west.errors[0]?.message).toMatch(/us-west-2.*us-east-1/);
    const pending = await create(pendingId);
    expect(codes(pending)).toEqual(["BAD_USER_INPUT"]);
    expect(pending.errors[0]?.message).toMatch(/PENDING/);

    const controlChars = await gql(api.url, SNAPSHOT, {
      token: api.operatorToken,
      variables: { id: sourceId, description: "line one\nline two\u0007" },
    });
    expect(codes(controlChars)).toEqual(["BAD_USER_INPUT"]);
    const tooLong = await gql(api.url, SNAPSHOT, {
      token: api.operatorToken,
      variables: { id: sourceId, description: "x".repeat(256) },
    });
    expect(codes(tooLong)).toEqual(["BAD_USER_INPUT"]);

    expect((await fleet.workers.list({}, 100, null)).totalCount).toBe(workersBefore);
    expect((await snapshotsOf(api, sourceId)).map((snapshot) => snapshot.id).sort()).toEqual(
      [westId, pendingId].sort(),
    );
    const statsAfter = await simStats();
    expect(statsAfter.ec2.CreateSnapshot ?? 0).toBe(statsBefore.ec2.CreateSnapshot ?? 0);
    expect(statsAfter.ec2.RunInstances ?? 0).toBe(statsBefore.ec2.RunInstances ?? 0);
  });

  it("a retried snapshot job that crashed after CreateSnapshot finds the EBS snapshot by its tag and makes no second one", {
    timeout: 60_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["crashed-snapshot"]);
    const id = worker?.id ?? expect.unreachable("no worker");
    const fleetSnapshotId = randomUUID();
    // What the crashed attempt left: the PENDING record, and the EBS snapshot it had asked for, tagged.
    await createSnapshotRepository(fleet.testDb.db).insertIfAbsent({
      id: fleetSnapshotId,
      workerId: id,
      accountId: fleet.settings.aws.defaultAccount,
      region: "us-east-1",
      description: "before the crash",
      createdAt: new Date(),
    });
    // Through the fleet's own AWS adapter, as the crashed attempt had called it.
    const aws = fleetAws(fleet);
    const target = { accountId: fleet.settings.aws.defaultAccount, region: "us-east-1" };
    const made = await aws
      .createSnapshot({
        target,
        volumeId: (await aws.rootVolumeOf(target, worker?.instanceId ?? "")) ?? "",
        description: "before the crash",
        tags: { "cml-fleet:snapshot-id": fleetSnapshotId, "cml-fleet:worker-id": id },
      })
      .finally(() => aws.close());
    const creates = (await simStats()).ec2.CreateSnapshot ?? 0;

    const job = await fleet.queue.enqueue("snapshot", {
      workerId: id,
      actor: systemActor("bootstrap"),
      snapshotId: fleetSnapshotId,
      description: "before the crash",
    });
    await fleet.queue.waitForResult(job.id, 60_000);
    expect((await simStats()).ec2.CreateSnapshot ?? 0).toBe(creates);
    expect(await snapshotsOf(api, id)).toEqual([
      expect.objectContaining({ id: fleetSnapshotId, snapshotId: made.snapshotId, state: "COMPLETED" }),
    ]);
  });
});

describe("the snapshot retention rule (CML_SNAPSHOT_KEEP)", () => {
  const fleet = useHarness("snapshot-keep", {
    env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN, CML_LICENSE_TOKEN: "", CML_SNAPSHOT_KEEP: "1" },
    sim: { snapshotDelayMs: 200 },
  });
  const api = useHarnessApi(fleet, { adminToken: ADMIN });

  it("keeps the newest completed snapshot of a worker and deletes the older one from EC2 and the list", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["keeps-one"]);
    const id = worker?.id ?? expect.unreachable("no worker");
    const snapshotOnce = async (description: string) => {
      const asked = await api.operator<{ snapshotWorker: JobPayload }>(SNAPSHOT, { id, description });
      await fleet.queue.waitForResult(asked.snapshotWorker.job?.id ?? expect.unreachable("no job"), 60_000);
    };

    await snapshotOnce("first");
    const [first] = await snapshotsOf(api, id);
    await snapshotOnce("second");
    const kept = await snapshotsOf(api, id);
    expect(kept).toEqual([expect.objectContaining({ description: "second", state: "COMPLETED" })]);

    const aws = fleetAws(fleet);
    try {
      const inEc2 = await aws.findSnapshots(
        { accountId: fleet.settings.aws.defaultAccount, region: "us-east-1" },
        { "cml-fleet:worker-id": id },
      );
      expect(inEc2.map((snapshot) => snapshot.snapshotId)).toEqual([kept[0]?.snapshotId]);
    } finally {
      aws.close();
    }
    const completed = (await fleet.workers.listEvents(id, 100)).find(
      (event) => event.type === "worker.snapshot_completed" && event.data.description === "second",
    );
    expect(completed?.data.deleted).toEqual([first?.snapshotId]);
  });
});
