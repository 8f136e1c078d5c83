import { describe, expect, it } from "vitest";
import { RecordingJobQueue } from "../../test/support/recording-job-queue";
import { fakeServiceDeps } from "../../test/support/service-deps";
import { reconcileWorkerTags } from "./tag-reconciliation";

const FLEET = { Name: "lab-1", "cml-fleet:managed": "true", "cml-fleet:worker-id": "w" };

async function setUp(stored: Record<string, string>, onInstance: Record<string, string>) {
  const deps = { ...fakeServiceDeps(), jobs: new RecordingJobQueue() };
  const worker = await deps.seedRunning({ tags: stored }, onInstance);
  const instance =
    (await deps.cloud.describe({ accountId: "default", region: "us-east-1" }, worker.instanceId ?? "")) ??
    expect.unreachable("the seeded instance is gone");
  return { deps, worker, instance };
}

describe("tags against EC2 in reconciliation", () => {
  it("follows a change made in the console once an apply has landed, with one event holding the difference", async () => {
    const { deps, worker, instance } = await setUp(
      { owner: "alice", course: "ccna" },
      { ...FLEET, owner: "bob", room: "B12" },
    );

    expect(await reconcileWorkerTags(deps, worker, instance, deps.clock.now())).toBe(true);
    const followed = await deps.workers.findById(worker.id);
    expect(followed?.tags).toEqual({ owner: "bob", room: "B12" });
    const events = deps.workers.events.filter((event) => event.type === "worker.tags_changed_externally");
    expect(events.map((event) => event.data)).toEqual([
      { instanceId: instance.instanceId, set: { owner: "bob", room: "B12" }, removed: ["course"] },
    ]);

    // Once: the worker now matches EC2.
    expect(await reconcileWorkerTags(deps, followed ?? worker, instance, deps.clock.now())).toBe(false);
    expect(
      deps.workers.events.filter((event) => event.type === "worker.tags_changed_externally"),
    ).toHaveLength(1);
  });

  it("never takes or drops the fleet's own keys: a renamed instance or a stored imported Name changes nothing", async () => {
    const { deps, worker, instance } = await setUp(
      { Name: "imported-name", owner: "alice" },
      { ...FLEET, Name: "renamed-in-console", "aws:cloudformation:stack-name": "s", owner: "alice" },
    );

    expect(await reconcileWorkerTags(deps, worker, instance, deps.clock.now())).toBe(false);
    expect((await deps.workers.findById(worker.id))?.tags).toEqual({ Name: "imported-name", owner: "alice" });
    expect(deps.workers.events).toEqual([]);
  });

  it("lets pending tags win and queues their apply again", async () => {
    const pendingSince = new Date("2026-01-05T08:00:00Z");
    const { deps, worker, instance } = await setUp({ owner: "carol" }, { ...FLEET, owner: "bob" });
    const pending = await deps.workers.save(
      { ...worker, tagSync: { pendingSince, appliedAt: null, lastError: "ec2 throttled" } },
      [],
    );

    expect(await reconcileWorkerTags(deps, pending.worker, instance, deps.clock.now())).toBe(false);
    expect((await deps.workers.findById(worker.id))?.tags).toEqual({ owner: "carol" });
    expect(deps.jobs.queued).toMatchObject([{ kind: "apply-tags", id: `apply-tags.${worker.id}` }]);
  });

  it("does not read EC2 tags older than an apply that landed after they were read", async () => {
    const { deps, worker, instance } = await setUp({ owner: "carol" }, { ...FLEET, owner: "bob" });
    const observedAt = deps.clock.now();
    deps.clock.advance(1_000);
    const applied = await deps.workers.save(
      { ...worker, tagSync: { pendingSince: null, appliedAt: deps.clock.now(), lastError: null } },
      [],
    );

    expect(await reconcileWorkerTags(deps, applied.worker, instance, observedAt)).toBe(false);
    expect((await deps.workers.findById(worker.id))?.tags).toEqual({ owner: "carol" });
  });
});
