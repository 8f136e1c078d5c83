import { describe, expect, it, vi } from "vitest";
import { codes, gql, workerById } from "../../api/test/graphql/support/graphql-client";
import { runOnce } from "../../jobs/test/support/fleet-driver";
import { PATIENCE, useHarness } from "../../jobs/test/support/fleet-harness";
import { useHarnessApi } from "./support/harness-api";

const ADMIN = "cmlf_accounts-admin-token-0123456789abcdef012345678";
/** The simulator's default account: the fleet's own credentials act in it. */
const SIM_DEFAULT_ACCOUNT = "123456789012";
/** A second account, reached by assuming a role in it (the simulator's STS). */
const ACCOUNT_B = "222222222222";

interface AccountView {
  readonly id: string;
  readonly accountId: string;
  readonly status: string;
  readonly instanceId: string | null;
  readonly telemetry: { readonly sampledAt: string } | null;
}
const FIELDS = "id accountId status instanceId telemetry { sampledAt }";

interface SimInstance {
  readonly instanceId: string;
  readonly state: string;
  readonly accountId: string;
}

describe("workers in several AWS accounts, through the API, the job workers and the simulator", () => {
  const fleet = useHarness("accounts", {
    env: {
      BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      CML_LICENSE_TOKEN: "",
      CML_WORKER_AUTO_IMPORT_ORPHANS: "true",
      AWS_ACCOUNTS: JSON.stringify({
        default: {},
        [ACCOUNT_B]: { role_arn: `arn:aws:iam::${ACCOUNT_B}:role/cml-fleet`, external_id: "fleet-ext-id" },
      }),
    },
  });
  const api = useHarnessApi(fleet, { adminToken: ADMIN });
  /** The worker the first test creates in account B; the later tests use it. */
  let workerB = "";

  const view = async (id: string) =>
    (await workerById<AccountView>(api.admin, id, FIELDS)) ?? expect.unreachable("the worker is gone");
  const simInstance = async (instanceId: string | null) => {
    const all = await fleet.simJson<SimInstance[]>("/_sim/instances");
    return (
      all.find((instance) => instance.instanceId === instanceId) ?? expect.unreachable("no such instance")
    );
  };
  const waitForStatus = (id: string, status: string) =>
    vi.waitFor(async () => {
      const worker = await view(id);
      expect(worker.status).toBe(status);
      return worker;
    }, PATIENCE);

  it("createWorker with accountId launches the instance in that account; omitted, in the default one", {
    timeout: 120_000,
  }, async () => {
    const create = `mutation ($input: CreateWorkerInput!) { createWorker(input: $input) { worker { ${FIELDS} } } }`;
    const inB = await api.admin<{ createWorker: { worker: AccountView } }>(create, {
      input: { name: "lab-b", region: "us-east-1", accountId: ACCOUNT_B },
    });
    const inDefault = await api.admin<{ createWorker: { worker: AccountView } }>(create, {
      input: { name: "lab-default", region: "us-east-1" },
    });
    workerB = inB.createWorker.worker.id;
    expect(inB.createWorker.worker.accountId).toBe(ACCOUNT_B);
    expect(inDefault.createWorker.worker.accountId).toBe("default");

    const runningB = await waitForStatus(workerB, "RUNNING");
    const runningDefault = await waitForStatus(inDefault.createWorker.worker.id, "RUNNING");
    // The simulator owns B's instance in account B (the role assumed through its STS), the other in its default.
    expect((await simInstance(runningB.instanceId)).accountId).toBe(ACCOUNT_B);
    expect((await simInstance(runningDefault.instanceId)).accountId).toBe(SIM_DEFAULT_ACCOUNT);
  });

  it("telemetry and reconciliation look for the worker in its own account", {
    timeout: 120_000,
  }, async () => {
    expect(workerB).not.toBe("");
    const before = await view(workerB);
    await runOnce(fleet, "telemetry-sweep");
    const swept = await view(workerB);
    expect(swept.status).toBe("RUNNING");
    expect(swept.telemetry?.sampledAt).toBeDefined();
    expect(swept.telemetry?.sampledAt).not.toBe(before.telemetry?.sampledAt);

    // Reconciliation in the default account alone would not find B's instance and call it gone.
    const summary = (await runOnce(fleet, "reconcile")) as { terminated: string[]; imported: string[] };
    expect(summary.terminated).toEqual([]);
    expect((await view(workerB)).status).toBe("RUNNING");

    // A fleet-tagged instance started behind the fleet's back in account B is imported there.
    const stray = await fleet.simJson<SimInstance>("/_sim/instances", {
      method: "POST",
      body: JSON.stringify({
        region: "us-east-1",
        accountId: ACCOUNT_B,
        tags: { "cml-fleet:managed": "true", Name: "stray-b" },
      }),
    });
    const next = (await runOnce(fleet, "reconcile")) as { imported: string[] };
    expect(next.imported).toHaveLength(1);
    const imported = await view(next.imported[0] ?? "");
    expect(imported).toMatchObject({ accountId: ACCOUNT_B, instanceId: stray.instanceId });
  });

  it("stop, start and terminate act on the instance in the worker's account", {
    timeout: 120_000,
  }, async () => {
    expect(workerB).not.toBe("");
    const { instanceId } = await view(workerB);
    const stop = `mutation ($id: ID!) { stopWorker(id: $id) { worker { id } } }`;
    await gql(api.url, stop, { token: api.operatorToken, variables: { id: workerB } });
    await waitForStatus(workerB, "STOPPED");
    expect((await simInstance(instanceId)).state).toBe("stopped");

    const start = `mutation ($id: ID!) { startWorker(id: $id) { worker { id } } }`;
    await gql(api.url, start, { token: api.operatorToken, variables: { id: workerB } });
    await waitForStatus(workerB, "RUNNING");
    expect((await simInstance(instanceId)).state).toBe("running");

    await api.admin(`mutation ($id: ID!) { terminateWorker(id: $id) { worker { id } } }`, { id: workerB });
    await waitForStatus(workerB, "TERMINATED");
    expect(["shutting-down", "terminated"]).toContain((await simInstance(instanceId)).state);
  });

  it("importAccountWorkers adopts an instance of that account, which importWorkers (the default account) cannot see", {
    timeout: 120_000,
  }, async () => {
    const loose = await fleet.simJson<SimInstance>("/_sim/instances", {
      method: "POST",
      body: JSON.stringify({ region: "us-east-1", accountId: ACCOUNT_B, tags: { Name: "console-made" } }),
    });
    const inDefault = await api.admin<{ importWorkers: AccountView[] }>(
      `mutation ($ids: [String!]) { importWorkers(region: "us-east-1", instanceIds: $ids) { ${FIELDS} } }`,
      { ids: [loose.instanceId] },
    );
    expect(inDefault.importWorkers).toEqual([]);

    const importB = `mutation ($account: String!, $ids: [String!]) {
      importAccountWorkers(accountId: $account, region: "us-east-1", instanceIds: $ids) { ${FIELDS} }
    }`;
    const denied = await gql(api.url, importB, {
      token: api.operatorToken,
      variables: { account: ACCOUNT_B, ids: [loose.instanceId] },
    });
    expect(codes(denied)).toEqual(["FORBIDDEN"]);

    const adopted = await api.admin<{ importAccountWorkers: AccountView[] }>(importB, {
      account: ACCOUNT_B,
      ids: [loose.instanceId],
    });
    expect(adopted.importAccountWorkers).toEqual([
      expect.objectContaining({ accountId: ACCOUNT_B, instanceId: loose.instanceId }),
    ]);
  });

  it("an account that is not configured is BAD_USER_INPUT, and nothing is written", {
    timeout: 60_000,
  }, async () => {
    const before = (await fleet.workers.listActive()).length;
    const create = await gql(
      api.url,
      `mutation { createWorker(input: { name: "lab-x", region: "us-east-1", accountId: "333333333333" }) { worker { id } } }`,
      { token: ADMIN },
    );
    expect(codes(create)).toEqual(["BAD_USER_INPUT"]);
    expect(create.errors[0]?.message).toMatch(/configured accounts .*222222222222, default/);

    const importX = await gql(
      api.url,
      `mutation { importAccountWorkers(accountId: "333333333333", region: "us-east-1") { id } }`,
      { token: ADMIN },
    );
    expect(codes(importX)).toEqual(["BAD_USER_INPUT"]);
    expect((await fleet.workers.listActive()).length).toBe(before);
  });
});
