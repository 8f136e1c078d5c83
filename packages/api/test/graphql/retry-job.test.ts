import { userActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { intentOf } from "@cml-fleet/core/domain/worker-operation";
import type { WorkerStatus } from "@cml-fleet/core/domain/worker-status";
import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anEvent, aWorker } from "../support/worker-factory";
import { type JobRun, startFailingProcessor } from "./support/failing-processor";
import { codes, dataOf, gql, PATIENCE } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

// One attempt: a job fails at once, ready to be retried.
const { fleet, api } = useTestFleet("retry-job", { env: { CML_JOB_ATTEMPTS: "1" } });
let processor: { readonly runs: JobRun[]; close(): Promise<void> } | undefined;
let secondAdmin = "";

beforeAll(async () => {
  processor = startFailingProcessor(fleet, ["terminate", "stop", "provision", "register-license"]);
  const created = dataOf(
    await gql<{ createApiToken: { token: string } }>(
      api.url,
      `mutation { createApiToken(name: "second-admin", role: ADMIN) { token } }`,
      { token: fleet.tokens.ADMIN },
    ),
  );
  secondAdmin = created.createApiToken.token;
});

afterAll(() => processor?.close());

const RETRY = "mutation($id: ID!) { retryJob(id: $id) { id name state workerId } }";

async function seedWorker(name: string, status: WorkerStatus): Promise<Worker> {
  const worker = aWorker({ name, status, desiredStatus: status === "STOPPED" ? "STOPPED" : "RUNNING" });
  await fleet.workers.insert(worker, [anEvent({ workerId: worker.id, message: "seeded" })]);
  return worker;
}

async function jobState(id: string): Promise<string | null> {
  const read = dataOf(
    await gql<{ job: { state: string } | null }>(api.url, "query($id: ID!) { job(id: $id) { state } }", {
      token: fleet.tokens.VIEWER,
      variables: { id },
    }),
  );
  return read.job?.state ?? null;
}

/** Requests an operation and waits until the stand-in has failed its job; answers the job id. */
async function failedJob(mutation: string, workerId: string, token: string): Promise<string> {
  const result = dataOf(
    await gql<Record<string, { job: { id: string } | null }>>(api.url, mutation, {
      token,
      variables: { id: workerId },
    }),
  );
  const id = Object.values(result)[0]?.job?.id ?? "";
  await expect.poll(() => jobState(id), PATIENCE).toBe("FAILED");
  return id;
}

function runsOf(id: string): JobRun[] {
  return processor?.runs.filter((run) => run.id === id) ?? [];
}

async function auditOf(operation: string) {
  return (await createAuditRepository(fleet.db.db).list(500)).filter((row) => row.operation === operation);
}

describe("retryJob", () => {
  it("refuses an OPERATOR retrying a terminate (FORBIDDEN, recorded), and runs an ADMIN's retry as the ADMIN's request", async () => {
    const worker = await seedWorker("doomed", "RUNNING");
    const id = await failedJob(
      "mutation($id: ID!) { terminateWorker(id: $id) { job { id } } }",
      worker.id,
      fleet.tokens.ADMIN,
    );
    const eventsBefore = await fleet.workers.listEvents(worker.id, 50);

    const refused = await gql(api.url, RETRY, { token: fleet.tokens.OPERATOR, variables: { id } });
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
    expect(refused.errors[0]?.message).toMatch(/terminate job needs the ADMIN role/);
    expect(await jobState(id)).toBe("FAILED");
    expect(await fleet.workers.listEvents(worker.id, 50)).toEqual(eventsBefore);
    expect(await auditOf("retryJob")).toContainEqual(
      expect.objectContaining({ actor: "operator-token", role: "OPERATOR", outcome: "FORBIDDEN" }),
    );

    const retried = dataOf(
      await gql<{ retryJob: { id: string; name: string } }>(api.url, RETRY, {
        token: secondAdmin,
        variables: { id },
      }),
    );
    expect(retried.retryJob).toMatchObject({ id, name: "terminate" });
    // The job ran again, carrying the retrier as its actor (the first run carried the one who asked).
    await expect.poll(() => runsOf(id).length, PATIENCE).toBe(2);
    const [first, second] = runsOf(id);
    expect(first?.data).toMatchObject({ actor: { kind: "user", name: "bootstrap-admin" }, force: false });
    expect(second?.data).toMatchObject({ actor: { kind: "user", name: "second-admin" }, force: false });
    // Re-planned as a fresh request: the event and the audit entry name the retrier and the failed job.
    const [latest] = await fleet.workers.listEvents(worker.id, 1);
    expect(latest).toMatchObject({
      type: "worker.operation_requested",
      actor: { kind: "user", name: "second-admin" },
      data: {
        operation: "terminate",
        retryOf: id,
        originalActor: expect.stringContaining("bootstrap-admin"),
      },
    });
    expect(await auditOf("retryJob")).toContainEqual(
      expect.objectContaining({
        actor: "second-admin",
        outcome: "ok",
        arguments: expect.objectContaining({ id, kind: "terminate", workerId: worker.id }),
      }),
    );
  });

  it("lets an OPERATOR retry a stop with its reason, and refuses it once the worker is TERMINATED (CONFLICT, nothing written)", async () => {
    const worker = await seedWorker("sleepy", "RUNNING");
    const result = dataOf(
      await gql<{ stopWorker: { job: { id: string } } }>(
        api.url,
        `mutation($id: ID!) { stopWorker(id: $id, reason: "end of class") { job { id } } }`,
        { token: secondAdmin, variables: { id: worker.id } },
      ),
    );
    const id = result.stopWorker.job.id;
    await expect.poll(() => jobState(id), PATIENCE).toBe("FAILED");

    dataOf(await gql(api.url, RETRY, { token: fleet.tokens.OPERATOR, variables: { id } }));
    await expect.poll(() => runsOf(id).length, PATIENCE).toBe(2);
    expect(runsOf(id)[1]?.data).toMatchObject({
      actor: { kind: "user", name: "operator-token" },
      reason: "end of class",
    });
    await expect.poll(() => jobState(id), PATIENCE).toBe("FAILED");

    // Meanwhile someone terminated it in the console, and reconciliation saw it.
    const current = await fleet.workers.findById(worker.id);
    if (current === null) {
      throw new Error("the seeded worker is gone");
    }
    await fleet.workers.save({ ...current, status: "TERMINATED", desiredStatus: "TERMINATED" }, [
      anEvent({ workerId: worker.id, type: "worker.status_changed", actor: userActor("t", "t") }),
    ]);
    const eventsBefore = await fleet.workers.listEvents(worker.id, 50);
    const auditBefore = await auditOf("retryJob");

    const refused = await gql(api.url, RETRY, { token: fleet.tokens.OPERATOR, variables: { id } });
    expect(codes(refused)).toEqual(["CONFLICT"]);
    expect(refused.errors[0]?.message).toBe("cannot stop a worker that is TERMINATED");
    expect(await jobState(id)).toBe("FAILED");
    expect(runsOf(id)).toHaveLength(2);
    expect(await fleet.workers.listEvents(worker.id, 50)).toEqual(eventsBefore);
    expect(await auditOf("retryJob")).toEqual(auditBefore);
  });

  it("refuses to retry a stop whose worker is already STOPPED: nothing is left to do", async () => {
    const worker = await seedWorker("halted", "RUNNING");
    const id = await failedJob(
      "mutation($id: ID!) { stopWorker(id: $id) { job { id } } }",
      worker.id,
      fleet.tokens.OPERATOR,
    );
    const current = await fleet.workers.findById(worker.id);
    if (current === null) {
      throw new Error("the seeded worker is gone");
    }
    await fleet.workers.save({ ...current, status: "STOPPED" }, []);

    const refused = await gql(api.url, RETRY, { token: fleet.tokens.OPERATOR, variables: { id } });
    expect(codes(refused)).toEqual(["CONFLICT"]);
    expect(refused.errors[0]?.message).toMatch(/already STOPPED: there is nothing left to stop/);
    expect(runsOf(id)).toHaveLength(1);
  });

  it("provisions again only a worker still waiting for its instance, as the ADMIN who retries", async () => {
    const created = dataOf(
      await gql<{ createWorker: { worker: { id: string }; job: { id: string } } }>(
        api.url,
        `mutation { createWorker(input: { name: "unlucky", region: "us-east-1" }) { worker { id } job { id } } }`,
        { token: fleet.tokens.ADMIN },
      ),
    );
    const workerId = created.createWorker.worker.id;
    const id = created.createWorker.job.id;
    await expect.poll(() => jobState(id), PATIENCE).toBe("FAILED");

    expect(codes(await gql(api.url, RETRY, { token: fleet.tokens.OPERATOR, variables: { id } }))).toEqual([
      "FORBIDDEN",
    ]);
    dataOf(await gql(api.url, RETRY, { token: secondAdmin, variables: { id } }));
    await expect.poll(() => runsOf(id).length, PATIENCE).toBe(2);
    // The retry serves an outbox row of its own: the first request's row was settled FAILED with its job.
    const first = intentOf(runsOf(id)[0]?.data);
    expect(first).not.toBeNull();
    expect(runsOf(id)[1]?.data).toEqual({
      workerId,
      actor: expect.objectContaining({ name: "second-admin" }),
      intent: { operationId: expect.any(String), queuedAt: expect.any(Number) },
    });
    expect(intentOf(runsOf(id)[1]?.data)).not.toEqual(first);
    const [latest] = await fleet.workers.listEvents(workerId, 1);
    expect(latest).toMatchObject({
      type: "worker.operation_requested",
      actor: { name: "second-admin" },
      data: { operation: "provision", retryOf: id },
    });
    await expect.poll(() => jobState(id), PATIENCE).toBe("FAILED");

    // Someone started it by other means since: provisioning it again would launch a second instance.
    const current = await fleet.workers.findById(workerId);
    if (current === null) {
      throw new Error("the created worker is gone");
    }
    await fleet.workers.save({ ...current, status: "RUNNING", instanceId: "i-0123456789abcdef0" }, []);
    const refused = await gql(api.url, RETRY, { token: secondAdmin, variables: { id } });
    expect(codes(refused)).toEqual(["CONFLICT"]);
    expect(refused.errors[0]?.message).toBe("cannot provision a worker that is RUNNING");
    expect(runsOf(id)).toHaveLength(2);
  });

  it("refuses to retry a license registration whose token was given with it: the token is used once", async () => {
    const worker = await seedWorker("licensed", "RUNNING");
    const id = await failedJob(
      `mutation($id: ID!) { registerLicense(id: $id, token: "given-once") { job { id } } }`,
      worker.id,
      fleet.tokens.ADMIN,
    );
    // The job carries a reference to the token, never the token itself.
    expect(JSON.stringify(runsOf(id)[0]?.data)).not.toContain("given-once");
    const refused = await gql(api.url, RETRY, { token: fleet.tokens.ADMIN, variables: { id } });
    expect(codes(refused)).toEqual(["CONFLICT"]);
    expect(refused.errors[0]?.message).toMatch(/run registerLicense again with the token/);
  });
});
