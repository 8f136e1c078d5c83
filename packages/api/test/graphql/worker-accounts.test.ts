import { describe, expect, it } from "vitest";
import { codes, dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const ACCOUNT_B = "222222222222";
const { fleet, api } = useTestFleet("worker-accounts", {
  env: {
    AWS_ACCOUNTS: JSON.stringify({
      default: {},
      [ACCOUNT_B]: { role_arn: `arn:aws:iam::${ACCOUNT_B}:role/cml-fleet`, external_id: "fleet-ext" },
    }),
  },
});

const CREATE = `mutation ($input: CreateWorkerInput!) {
  createWorker(input: $input) { worker { id name accountId } job { name workerId } }
}`;
interface Created {
  createWorker: { worker: { id: string; name: string; accountId: string }; job: { name: string } | null };
}
const IMPORT = `mutation ($account: String!) { importAccountWorkers(accountId: $account, region: "us-east-1") { id } }`;

const asAdmin = (query: string, variables: Record<string, unknown>) =>
  gql<Created>(api.url, query, { token: fleet.tokens.ADMIN, variables });

describe("Worker.accountId and createWorker(input: { accountId })", () => {
  it("creates the worker in the named account, or in the default one when none is named", async () => {
    const inB = dataOf(
      await asAdmin(CREATE, { input: { name: "acct-b", region: "us-east-1", accountId: ACCOUNT_B } }),
    );
    expect(inB.createWorker.worker.accountId).toBe(ACCOUNT_B);
    expect(inB.createWorker.job?.name).toBe("provision");
    expect((await fleet.workers.findById(inB.createWorker.worker.id))?.accountId).toBe(ACCOUNT_B);

    const plain = dataOf(await asAdmin(CREATE, { input: { name: "acct-default", region: "us-east-1" } }));
    expect(plain.createWorker.worker.accountId).toBe("default");

    // A VIEWER reads it like any other field.
    const seen = dataOf(
      await gql<{ worker: { accountId: string } }>(
        api.url,
        `query ($id: ID!) { worker(id: $id) { accountId } }`,
        {
          token: fleet.tokens.VIEWER,
          variables: { id: inB.createWorker.worker.id },
        },
      ),
    );
    expect(seen.worker.accountId).toBe(ACCOUNT_B);
  });

  it("refuses an account that is not configured with BAD_USER_INPUT naming the ones that are, and writes nothing", async () => {
    const before = (await fleet.workers.listActive()).length;
    for (const accountId of ["333333333333", "", "default\n", "x".repeat(500)]) {
      const refused = await asAdmin(CREATE, {
        input: { name: "acct-unknown", region: "us-east-1", accountId },
      });
      expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
    }
    const refused = await asAdmin(CREATE, {
      input: { name: "acct-unknown", region: "us-east-1", accountId: "333333333333" },
    });
    expect(refused.errors[0]?.message).toContain(`configured accounts (AWS_ACCOUNTS): ${ACCOUNT_B}, default`);
    expect((await fleet.workers.listActive()).length).toBe(before);
  });

  it("the same idempotency key with another account is a CONFLICT, not a second worker", async () => {
    const input = { name: "acct-idem", region: "us-east-1", idempotencyKey: "acct-idem-1" };
    const first = dataOf(await asAdmin(CREATE, { input }));
    expect(first.createWorker.worker.accountId).toBe("default");
    const again = await asAdmin(CREATE, { input: { ...input, accountId: ACCOUNT_B } });
    expect(codes(again)).toEqual(["CONFLICT"]);
    const same = dataOf(await asAdmin(CREATE, { input: { ...input, accountId: "default" } }));
    expect(same.createWorker.worker.id).toBe(first.createWorker.worker.id);
  });
});

describe("importAccountWorkers", () => {
  it("is for ADMIN only", async () => {
    for (const role of ["OPERATOR", "VIEWER"] as const) {
      const refused = await gql(api.url, IMPORT, {
        token: fleet.tokens[role],
        variables: { account: ACCOUNT_B },
      });
      expect(codes(refused)).toEqual(["FORBIDDEN"]);
    }
  });

  it("refuses an account that is not configured before queueing anything", async () => {
    const refused = await gql(api.url, IMPORT, {
      token: fleet.tokens.ADMIN,
      variables: { account: "333333333333" },
    });
    expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.errors[0]?.message).toMatch(/accountId/);
    // The queue's own bookkeeping (meta) exists from the start; no import job was added to it.
    const importKeys = await fleet.redis.keys(`${fleet.prefix}*import*`);
    expect(importKeys.filter((key) => !key.endsWith(":meta"))).toEqual([]);
  });
});
