import { describe, expect, it, vi } from "vitest";
import { codes, gql, graphqlCaller } from "../../api/test/graphql/support/graphql-client";
import { PATIENCE, useHarness } from "../../jobs/test/support/fleet-harness";
import { useHarnessApi } from "./support/harness-api";

const ADMIN = "cmlf_owners-admin-token-0123456789abcdef0123456789a";

interface WorkerView {
  readonly id: string;
  readonly status: string;
  readonly owner: string | null;
}

/**
 * A USER runs its own worker for real: through the API, the job process and
 * the simulated EC2 (the real SDK over HTTP). Another USER does not see it
 * and cannot touch it.
 */
describe("a USER stops and starts its own worker, through the jobs and the simulator", () => {
  const fleet = useHarness("user-role", { env: { BOOTSTRAP_ADMIN_TOKEN: ADMIN, CML_LICENSE_TOKEN: "" } });
  const api = useHarnessApi(fleet, { adminToken: ADMIN, withOperator: false });

  async function userToken(name: string): Promise<string> {
    const created = await api.admin<{ createApiToken: { token: string } }>(
      "mutation($name: String!) { createApiToken(name: $name, role: USER) { token } }",
      { name },
    );
    return created.createApiToken.token;
  }

  it("the owner's stop and start reach the instance; the other USER gets NOT_FOUND and sees nothing", {
    timeout: 180_000,
  }, async () => {
    const stu = graphqlCaller(api.url, await userToken("stu"));
    const samToken = await userToken("sam");
    const sam = graphqlCaller(api.url, samToken);
    const created = await api.admin<{ createWorker: { worker: WorkerView } }>(
      'mutation { createWorker(input: { name: "stu-lab", region: "us-east-1", owner: "stu" }) { worker { id status owner } } }',
    );
    const id = created.createWorker.worker.id;
    expect(created.createWorker.worker.owner).toBe("stu");
    const view = async () =>
      (
        await stu<{ worker: WorkerView | null }>("query($id: ID!) { worker(id: $id) { id status owner } }", {
          id,
        })
      ).worker;
    const reaches = (status: string) =>
      vi.waitFor(async () => expect((await view())?.status).toBe(status), PATIENCE);

    await reaches("RUNNING");
    await stu('mutation($id: ID!) { stopWorker(id: $id, reason: "done for today") { job { id } } }', { id });
    await reaches("STOPPED");
    await stu("mutation($id: ID!) { startWorker(id: $id) { job { id } } }", { id });
    await reaches("RUNNING");

    const seen = await gql(api.url, "query($id: ID!) { worker(id: $id) { id } }", {
      token: samToken,
      variables: { id },
    });
    expect(codes(seen)).toEqual(["NOT_FOUND"]);
    expect(
      (await sam<{ workers: { totalCount: number } }>("{ workers { totalCount } }")).workers.totalCount,
    ).toBe(0);
    const refused = await gql(api.url, "mutation($id: ID!) { stopWorker(id: $id) { job { id } } }", {
      token: samToken,
      variables: { id },
    });
    expect(codes(refused)).toEqual(["NOT_FOUND"]);
    const events = await stu<{ events: { type: string; actor: string }[] }>(
      "query($id: ID) { events(workerId: $id, first: 100) { type actor } }",
      { id },
    );
    expect(
      events.events
        .filter((event) => event.type === "worker.operation_requested")
        .map((event) => event.actor),
    ).toEqual(expect.arrayContaining([expect.stringContaining("stu")]));
    expect((await view())?.status).toBe("RUNNING");
  });
});
