import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import { JOB_KINDS } from "@cml-fleet/core/domain/job";
import { describe, expect, it, vi } from "vitest";
import { codes, gql } from "../../api/test/graphql/support/graphql-client";
import { runOnce } from "../../jobs/test/support/fleet-driver";
import { PATIENCE, useHarness } from "../../jobs/test/support/fleet-harness";
import { useHarnessApi } from "./support/harness-api";

const ADMIN = "cmlf_tags-admin-token-0123456789abcdef0123456789ab";

interface TagView {
  readonly key: string;
  readonly value: string;
}
interface WorkerTagsView {
  readonly id: string;
  readonly instanceId: string | null;
  readonly status: string;
  readonly tags: readonly TagView[];
  readonly tagSync: {
    readonly pending: boolean;
    readonly appliedAt: string | null;
    readonly job: { readonly id: string; readonly name: string; readonly state: string } | null;
  };
}
interface SimInstance {
  readonly instanceId: string;
  readonly tags: Readonly<Record<string, string>>;
}

const FIELDS = "id instanceId status tags { key value } tagSync { pending appliedAt job { id name state } }";
const SET_TAGS = `mutation ($id: ID!, $tags: [TagInput!]!) { setWorkerTags(id: $id, tags: $tags) { ${FIELDS} } }`;

const pairs = (tags: Record<string, string>) => Object.entries(tags).map(([key, value]) => ({ key, value }));
const record = (tags: readonly TagView[]) => Object.fromEntries(tags.map(({ key, value }) => [key, value]));

describe("worker tags reach EC2, through GraphQL, the apply-tags job and the simulator", () => {
  const fleet = useHarness("worker-tags", {
    env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN, CML_LICENSE_TOKEN: "" },
  });
  const api = useHarnessApi(fleet, { adminToken: ADMIN });
  let workerId = "";
  let instanceId = "";

  const view = async () =>
    (
      await api.admin<{ worker: WorkerTagsView }>(`query ($id: ID!) { worker(id: $id) { ${FIELDS} } }`, {
        id: workerId,
      })
    ).worker;
  const instanceTags = async () => {
    const instances = await fleet.simJson<SimInstance[]>("/_sim/instances");
    return instances.find((instance) => instance.instanceId === instanceId)?.tags ?? expect.unreachable();
  };
  const eventsOf = async (type: FleetEvent["type"]) =>
    (await fleet.workers.listEvents(workerId, 200)).filter((event) => event.type === type);
  const setTags = (tags: Record<string, string>) =>
    api.operator<{ setWorkerTags: WorkerTagsView }>(SET_TAGS, { id: workerId, tags: pairs(tags) });
  /** Waits until the tags are applied (nothing pending, the job done). */
  const applied = () =>
    vi.waitFor(async () => {
      const current = await view();
      expect(current.tagSync).toMatchObject({ pending: false, job: { state: "COMPLETED" } });
      return current;
    }, PATIENCE);
  const ec2Calls = async () => (await fleet.simJson<{ ec2: Record<string, number> }>("/_sim/stats")).ec2;

  it("a worker is launched with its tags under the fleet's own", { timeout: 120_000 }, async () => {
    const created = await api.admin<{ createWorker: { worker: { id: string } } }>(
      `mutation { createWorker(input: { name: "tags-lab", region: "us-east-1", tags: [{ key: "owner", value: "alice" }] }) { worker { id } } }`,
    );
    workerId = created.createWorker.worker.id;
    const running = await vi.waitFor(async () => {
      const current = await view();
      expect(current).toMatchObject({ status: "RUNNING", instanceId: expect.stringMatching(/^i-/) });
      return current;
    }, PATIENCE);
    instanceId = running.instanceId ?? "";
    expect(await instanceTags()).toMatchObject({
      owner: "alice",
      Name: "tags-lab",
      "cml-fleet:managed": "true",
      "cml-fleet:worker-id": workerId,
    });
  });

  it("setWorkerTags answers with the saved tags and the job, and the job puts them on the instance", {
    timeout: 120_000,
  }, async () => {
    const answer = (await setTags({ owner: "bob", course: "ccna" })).setWorkerTags;
    expect(record(answer.tags)).toEqual({ owner: "bob", course: "ccna" });
    expect(answer.tagSync.job).toMatchObject({ id: `apply-tags.${workerId}`, name: "apply-tags" });

    const done = await applied();
    expect(done.tagSync.appliedAt).not.toBeNull();
    expect(await instanceTags()).toMatchObject({ owner: "bob", course: "ccna", Name: "tags-lab" });
    expect((await eventsOf("worker.tags_applied")).at(0)?.data).toMatchObject({
      instanceId,
      set: { owner: "bob", course: "ccna" },
      removed: [],
    });
  });

  it("removing a key deletes it on EC2, and never a key of the fleet's", { timeout: 120_000 }, async () => {
    await setTags({ course: "ccna" });
    await applied();

    const tags = await instanceTags();
    expect(tags).not.toHaveProperty("owner");
    expect(tags).toMatchObject({
      course: "ccna",
      Name: "tags-lab",
      "cml-fleet:managed": "true",
      "cml-fleet:worker-id": workerId,
      "cml-fleet:created-by": expect.any(String),
    });
    expect((await eventsOf("worker.tags_applied")).at(0)?.data).toMatchObject({
      set: {},
      removed: ["owner"],
    });
  });

  it("the fleet's own keys are refused, naming the key, and nothing changes", {
    timeout: 60_000,
  }, async () => {
    const before = await view();
    const instanceBefore = await instanceTags();
    for (const key of ["cml-fleet:managed", "Name", "CML-FLEET:worker-id", "aws:cloudformation:stack-name"]) {
      const refused = await gql(api.url, SET_TAGS, {
        token: api.operatorToken,
        variables: {
          id: workerId,
          tags: [
            { key: "course", value: "ccnp" },
            { key, value: "x" },
          ],
        },
      });
      expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
      expect(refused.errors[0]?.message).toContain(key);
    }
    expect(await view()).toEqual(before);
    expect(await instanceTags()).toEqual(instanceBefore);
  });

  it("tags changed in the console are seen by reconciliation: the worker follows EC2, with one event", {
    timeout: 120_000,
  }, async () => {
    await fleet.simJson(`/_sim/instances/${instanceId}/tags`, {
      method: "PATCH",
      // A console user renames the instance too: Name keeps its meaning (the worker's name), it is not a tag of people's.
      body: JSON.stringify({ course: null, team: "red", Name: "renamed-in-console" }),
    });

    await runOnce(fleet, "reconcile");
    expect(record((await view()).tags)).toEqual({ team: "red" });
    const seen = await eventsOf("worker.tags_changed_externally");
    expect(seen).toHaveLength(1);
    expect(seen[0]?.data).toEqual({ instanceId, set: { team: "red" }, removed: ["course"] });

    // Once: the next pass finds nothing to follow.
    await runOnce(fleet, "reconcile");
    expect(await eventsOf("worker.tags_changed_externally")).toHaveLength(1);
    expect(record((await view()).tags)).toEqual({ team: "red" });
  });

  it("a crash between the save and the apply converges: the pending tags win over EC2, and applying twice sends nothing twice", {
    timeout: 180_000,
  }, async () => {
    // A job process that does not run apply-tags: the save lands, the apply does not (as if it died first).
    await fleet.jobs?.close();
    await fleet.startJobs({ kinds: JOB_KINDS.filter((kind) => kind !== "apply-tags") });

    const saved = (await setTags({ team: "blue", room: "B12" })).setWorkerTags;
    expect(saved.tagSync).toMatchObject({ pending: true, job: { state: "WAITING" } });
    // Meanwhile someone edits the console; reconciliation must not take the stale EC2 tags over the pending ones.
    await fleet.simJson(`/_sim/instances/${instanceId}/tags`, {
      method: "PATCH",
      body: JSON.stringify({ team: "green" }),
    });
    await runOnce(fleet, "reconcile");
    expect(record((await view()).tags)).toEqual({ team: "blue", room: "B12" });
    expect(await eventsOf("worker.tags_changed_externally")).toHaveLength(1);

    // The job process comes back: the queued apply (joined, not doubled, by reconciliation) lands.
    await fleet.jobs?.close();
    await fleet.startJobs();
    await applied();
    expect(await instanceTags()).toMatchObject({ team: "blue", room: "B12", Name: "renamed-in-console" });

    // Run again: nothing left to send.
    await fleet.simJson("/_sim/stats", { method: "DELETE" });
    const again = await fleet.queue.enqueue("apply-tags", {
      workerId,
      actor: { kind: "system", policy: "reconciliation" },
    });
    expect(await fleet.queue.waitForResult(again.id, 60_000)).toMatchObject({ set: {}, removed: [] });
    const calls = await ec2Calls();
    expect(calls.CreateTags ?? 0).toBe(0);
    expect(calls.DeleteTags ?? 0).toBe(0);
    expect(await instanceTags()).toMatchObject({ team: "blue", room: "B12" });
  });
});
