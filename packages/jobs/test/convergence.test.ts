import { randomUUID } from "node:crypto";
import { systemActor, userActor } from "@cml-fleet/core/domain/actor";
import { workerJobId } from "@cml-fleet/core/domain/job";
import type { Requester } from "@cml-fleet/core/domain/requester";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { UpstreamUnavailableError } from "@cml-fleet/core/errors";
import { systemClock } from "@cml-fleet/core/ports/clock.port";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import { createConvergenceService } from "@cml-fleet/core/services/convergence.service";
import {
  createWorkerCommandService,
  requestOperation,
} from "@cml-fleet/core/services/worker-commands.service";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { createRedisEventPublisher } from "@cml-fleet/platform/pubsub/redis-event-publisher";
import { createBullmqJobLookup } from "@cml-fleet/platform/queue/bullmq-job-lookup";
import { createBullmqJobQueue } from "@cml-fleet/platform/queue/bullmq-job-queue";
import { queueName, redisPrefixes } from "@cml-fleet/platform/queue/queue-definitions";
import { createRedisLicenseTokenVault } from "@cml-fleet/platform/redis/redis-license-token-vault";
import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { createScheduleRepository } from "@cml-fleet/platform/repositories/schedule.repository";
import { createSnapshotRepository } from "@cml-fleet/platform/repositories/snapshot.repository";
import { createWorkerOperationRepository } from "@cml-fleet/platform/repositories/worker-operation.repository";
import { freePort } from "@cml-fleet/platform/testing/free-port";
import { Worker as BullWorker, Queue } from "bullmq";
import { describe, expect, it, vi } from "vitest";
import { deleteKeys } from "../../platform/test/support/test-redis";
import { provisionWorkers, waitForWorker } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";

const ada: Requester = { id: "u-ada", name: "ada", role: "ADMIN" };

describe("convergence: every accepted intent lands, a refused one leaves nothing (real Postgres, Redis, simulator)", () => {
  const fleet = useHarness(
    "converge",
    // A pending row's job counts as lost after 100 ms (the sweep is run by hand here).
    {
      env: { CML_CONVERGENCE_INTERVAL: "100ms", CML_LICENSE_TOKEN: "" },
      runtime: { intentCommitGraceMs: 1_000 },
    },
    180_000,
  );
  const prefix = () => redisPrefixes(fleet.keyPrefix).bullmq;
  const operations = () => createWorkerOperationRepository(fleet.testDb.db);
  const deps = () => ({
    workers: fleet.workers,
    publisher: createRedisEventPublisher(fleet.pubsub),
    clock: systemClock,
    logger: silentLogger,
  });
  const commandsOn = (jobs: JobQueue) =>
    createWorkerCommandService({
      ...deps(),
      jobs,
      settings: fleet.settings,
      licenseTokens: createRedisLicenseTokenVault(fleet.redis, `${fleet.keyPrefix}:`),
      newId: randomUUID,
      snapshots: createSnapshotRepository(fleet.testDb.db),
      schedules: createScheduleRepository(fleet.testDb.db),
    });
  const commands = () => commandsOn(fleet.queue);

  async function eventTypes(workerId: string): Promise<string[]> {
    return (await fleet.workers.listEvents(workerId, 200)).map((event) => event.type);
  }
  async function auditRows(): Promise<number> {
    return (await createAuditRepository(fleet.testDb.db).list(1_000)).length;
  }
  async function rowsOf(workerId: string) {
    return (await operations().listByWorker(workerId, 100)).map(({ kind, state, redrives }) => ({
      kind,
      state,
      redrives,
    }));
  }
  async function converge(): Promise<unknown> {
    const job = await fleet.queue.enqueue("converge", {});
    return fleet.queue.waitForResult(job.id, 60_000);
  }
  async function removeJob(kind: "stop" | "start", workerId: string): Promise<void> {
    const queue = new Queue(queueName(kind), { connection: fleet.redis, prefix: prefix() });
    try {
      expect(await queue.remove(workerJobId(kind, workerId))).toBe(1);
    } finally {
      await queue.close();
    }
  }
  /** A worker that looks RUNNING (no instance behind it: for requests whose jobs never run). */
  const runningOnPaper = (name: string): Promise<Worker> =>
    fleet.createWorker(name, "us-east-1", { status: "RUNNING", instanceId: `i-${randomUUID().slice(0, 8)}` });

  it("Redis unreachable: stopWorker answers UPSTREAM_UNAVAILABLE and leaves no desired status, event, audit or outbox row", async () => {
    const worker = await runningOnPaper("redis-down");
    const eventsBefore = await eventTypes(worker.id);
    const auditBefore = await auditRows();
    const closed = await freePort();
    const unreachable = createBullmqJobQueue({
      redisUrl: `redis://127.0.0.1:${closed}`,
      prefix: prefix(),
      retry: { attempts: 1, backoffMs: 100 },
      publisher: createRedisEventPublisher(fleet.pubsub),
      logger: silentLogger,
      connectGraceMs: 500,
    });
    try {
      const refused = await commandsOn(unreachable)
        .stopWorker(ada, worker.id, "lunch")
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(UpstreamUnavailableError);
      expect(refused).toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
      // A new worker likewise: the insert and its provision job are one step.
      const notCreated = await commandsOn(unreachable)
        .createWorker(ada, { name: "never-created", region: "us-east-1", idempotencyKey: "redis-down-key" })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(notCreated).toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
      expect(await fleet.workers.findByIdempotencyKey("redis-down-key")).toBeNull();
    } finally {
      await unreachable.close();
    }
    const after = await fleet.workers.findById(worker.id);
    expect(after).toMatchObject({ version: worker.version, desiredStatus: "RUNNING", status: "RUNNING" });
    expect(await eventTypes(worker.id)).toEqual(eventsBefore);
    expect(await auditRows()).toBe(auditBefore);
    expect(await rowsOf(worker.id)).toEqual([]);
  });

  it("a job queued by a request whose commit then failed does nothing: it settles as never saved", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["never-saved"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    const failedCommit = await requestOperation(
      { ...deps(), jobs: fleet.queue },
      {
        by: ada,
        operation: "stop",
        workerId: worker.id,
        reason: null,
        details: {},
        retryOf: null,
        payload: async (saved, actor, intent) => ({ workerId: saved.id, actor, reason: null, intent }),
        queue: async (payload) => {
          await fleet.queue.enqueue("stop", payload);
          // The job is in the queue; the transaction now fails before it commits.
          throw new Error("the commit failed");
        },
      },
    ).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failedCommit).toBeInstanceOf(Error);
    const job = await vi.waitFor(async () => {
      const found = await fleet.queue.get(workerJobId("stop", worker.id));
      expect(found?.state).toBe("COMPLETED");
      return found;
    }, PATIENCE);
    expect(await fleet.queue.waitForResult(job?.id ?? "", 1_000)).toEqual({
      skipped: expect.stringContaining("never saved"),
    });
    const after = await fleet.workers.findById(worker.id);
    expect(after).toMatchObject({ status: "RUNNING", desiredStatus: "RUNNING", version: worker.version });
    const instance = await fleet.simJson<{ state: string }>(`/_sim/instances/${worker.instanceId}`);
    expect(instance.state).toBe("running");
    expect(await rowsOf(worker.id)).toEqual([]);
  });

  it("a retried job picked up before the retry commits waits for it, then acts (its first creation is long past)", {
    timeout: 120_000,
  }, async () => {
    const worker = await runningOnPaper("retry-race");
    const first = await commands().stopWorker(ada, worker.id, null);
    const jobId = first.job?.id ?? "";
    // EC2 knows no such instance: the stop fails for good.
    await expect.poll(async () => (await fleet.queue.get(jobId))?.state, PATIENCE).toBe("FAILED");
    const failedAt = (await fleet.queue.get(jobId))?.createdAt.getTime() ?? 0;
    await expect.poll(() => Date.now() - failedAt > 1_500, PATIENCE).toBe(true);
    await requestOperation(
      { ...deps(), jobs: fleet.queue },
      {
        by: ada,
        operation: "stop",
        workerId: worker.id,
        reason: null,
        details: {},
        retryOf: { jobId, actor: userActor(ada.id, ada.name) },
        payload: async (saved, actor, intent) => ({ workerId: saved.id, actor, reason: null, intent }),
        queue: async (payload) => {
          const retried = await fleet.queue.retry(jobId, { kind: "stop", payload });
          // The job runs again before the retry's transaction commits.
          await new Promise((resolve) => setTimeout(resolve, 400));
          return retried;
        },
      },
    );
    await expect.poll(async () => (await fleet.queue.get(jobId))?.state, PATIENCE).toBe("FAILED");
    // It acted (EC2 refused the unknown instance again) rather than completing as "never saved".
    expect((await fleet.queue.get(jobId))?.failedReason).not.toMatch(/never saved/);
    expect(await rowsOf(worker.id)).toEqual([
      { kind: "stop", state: "FAILED", redrives: 0 },
      { kind: "stop", state: "FAILED", redrives: 0 },
    ]);
  });

  it("a start asked while a stop is queued is not lost: the worker stays RUNNING and the stop is superseded", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["start-after-stop"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    // The job processes are away: both requests wait in the queue.
    await fleet.jobs?.close();
    const stop = await commands().stopWorker(ada, worker.id, "end of class");
    const start = await commands().startWorker(ada, worker.id);
    expect(stop.job?.id).toBe(workerJobId("stop", worker.id));
    expect(start.job?.id).toBe(workerJobId("start", worker.id));
    expect(start.worker.desiredStatus).toBe("RUNNING");
    await fleet.startJobs();
    await vi.waitFor(async () => {
      expect((await fleet.queue.get(workerJobId("stop", worker.id)))?.state).toBe("COMPLETED");
      expect((await fleet.queue.get(workerJobId("start", worker.id)))?.state).toBe("COMPLETED");
    }, PATIENCE);
    expect(await fleet.workers.findById(worker.id)).toMatchObject({
      status: "RUNNING",
      desiredStatus: "RUNNING",
      serviceStatus: "AVAILABLE",
    });
    const instance = await fleet.simJson<{ state: string }>(`/_sim/instances/${worker.instanceId}`);
    expect(instance.state).toBe("running");
    expect(await rowsOf(worker.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "stop", state: "SUPERSEDED" }),
        expect.objectContaining({ kind: "start", state: "DONE" }),
      ]),
    );
    const types = await eventTypes(worker.id);
    expect(types).toContain("worker.operation_superseded");
    expect(types).not.toContain("worker.auto_stopped");
  });

  it("a start asked while an idle stop is queued (no intent, no desired status) is not lost either", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["start-after-idle-stop"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    await fleet.jobs?.close();
    // As the idle check queues it: no intent, and the desired status stays RUNNING.
    await fleet.queue.enqueue("stop", {
      workerId: worker.id,
      actor: systemActor("idle-auto-stop"),
      reason: "idle",
    });
    const start = await commands().startWorker(ada, worker.id);
    expect(start.job?.id).toBe(workerJobId("start", worker.id));
    await fleet.startJobs();
    await vi.waitFor(async () => {
      expect((await fleet.queue.get(workerJobId("stop", worker.id)))?.state).toBe("COMPLETED");
      expect((await fleet.queue.get(workerJobId("start", worker.id)))?.state).toBe("COMPLETED");
    }, PATIENCE);
    expect(await fleet.queue.waitForResult(workerJobId("stop", worker.id), 1_000)).toEqual({
      skipped: expect.stringContaining("superseded"),
    });
    expect(await fleet.workers.findById(worker.id)).toMatchObject({
      status: "RUNNING",
      desiredStatus: "RUNNING",
    });
    const instance = await fleet.simJson<{ state: string }>(`/_sim/instances/${worker.instanceId}`);
    expect(instance.state).toBe("running");
    expect(await eventTypes(worker.id)).toContain("worker.operation_superseded");
  });

  it("Redis loses a queued stop (restarted empty): the converge sweep queues it again and the worker stops", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["lost-stop"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    await fleet.jobs?.close();
    await commands().stopWorker(ada, worker.id, "lunch");
    // Every key of this fleet gone, as after a Redis restarted without its data.
    await deleteKeys(fleet.redis, fleet.keyPrefix);
    expect(await fleet.queue.get(workerJobId("stop", worker.id))).toBeNull();
    await fleet.startJobs();
    await expect
      .poll(async () => (await converge()) as { redriven: number }, PATIENCE)
      .toMatchObject({ redriven: 1 });
    await waitForWorker(fleet, worker.id, { status: "STOPPED", desiredStatus: "STOPPED" });
    expect(await eventTypes(worker.id)).toContain("worker.operation_redriven");
    await expect
      .poll(() => rowsOf(worker.id), PATIENCE)
      .toEqual(
        expect.arrayContaining([expect.objectContaining({ kind: "stop", state: "DONE", redrives: 1 })]),
      );
  });

  it("a desired status saved before the outbox is re-driven as system:convergence; a recorded failure is left standing", {
    timeout: 120_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["legacy-stop"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    // An intent written with no outbox row and no job (as before the outbox, or a crash before it).
    await fleet.workers.save({ ...worker, desiredStatus: "STOPPED" }, []);
    // A start that failed for good: desired RUNNING on a STOPPED worker, its failure the last word.
    const failed = await fleet.createWorker("failed-start", "us-east-1", {
      status: "STOPPED",
      desiredStatus: "RUNNING",
      instanceId: `i-${randomUUID().slice(0, 8)}`,
    });
    const failure = (type: "worker.operation_requested" | "worker.operation_failed", minute: number) => ({
      type,
      workerId: failed.id,
      at: new Date(Date.now() - 60_000 + minute * 1_000),
      message: type,
      reason: null,
      actor: { kind: "user" as const, id: "u-ada", name: "ada" },
      data: { operation: "start" },
    });
    await fleet.workers.appendEvents([
      failure("worker.operation_requested", 1),
      failure("worker.operation_failed", 2),
    ]);

    expect(await converge()).toMatchObject({ unattended: 1 });
    await waitForWorker(fleet, worker.id, { status: "STOPPED", desiredStatus: "STOPPED" });
    const redriven = (await fleet.workers.listEvents(worker.id, 50)).find(
      (event) => event.type === "worker.operation_redriven",
    );
    expect(redriven?.actor).toEqual({ kind: "system", policy: "convergence" });
    await expect
      .poll(() => rowsOf(worker.id), PATIENCE)
      .toEqual([{ kind: "stop", state: "DONE", redrives: 0 }]);
    expect(await fleet.workers.findById(failed.id)).toMatchObject({
      version: failed.version,
      status: "STOPPED",
    });
    expect(await rowsOf(failed.id)).toEqual([]);
  });

  it("a job lost again and again ends in a visible worker.operation_failed once its re-drives run out", async () => {
    await fleet.jobs?.close();
    const worker = await runningOnPaper("lost-for-good");
    await commands().stopWorker(ada, worker.id, null);
    const convergence = createConvergenceService({
      ...deps(),
      operations: operations(),
      jobs: fleet.queue,
      jobLookup: createBullmqJobLookup(fleet.redis, prefix()),
      newId: randomUUID,
      convergence: { graceMs: 0, maxRedrives: 2, batchSize: 100 },
    });
    for (const _ of [1, 2]) {
      await removeJob("stop", worker.id);
      expect(await convergence.converge()).toMatchObject({ redriven: 1, failed: 0 });
    }
    await removeJob("stop", worker.id);
    expect(await convergence.converge()).toMatchObject({ redriven: 0, failed: 1 });
    expect(await rowsOf(worker.id)).toEqual([{ kind: "stop", state: "FAILED", redrives: 2 }]);
    const failed = (await fleet.workers.listEvents(worker.id, 50)).find(
      (event) => event.type === "worker.operation_failed",
    );
    expect(failed?.reason).toMatch(/queued again 2 times/);
    // Settled: the next sweep leaves it alone.
    expect(await convergence.converge()).toMatchObject({ redriven: 0, failed: 0 });
  });
  it("a job that finished without settling its row (its process died in between) is settled by the sweep, not re-driven", async () => {
    await fleet.jobs?.close();
    const worker = await runningOnPaper("finished-unsettled");
    await commands().stopWorker(ada, worker.id, null);
    // A bare BullMQ worker completes the job the way a process would that died before settling the row.
    const bare = new BullWorker(queueName("stop"), async () => ({ done: true }), {
      connection: fleet.redis.duplicate({ maxRetriesPerRequest: null }),
      prefix: prefix(),
    });
    try {
      await expect
        .poll(async () => (await fleet.queue.get(workerJobId("stop", worker.id)))?.state, PATIENCE)
        .toBe("COMPLETED");
    } finally {
      await bare.close();
    }
    const convergence = createConvergenceService({
      ...deps(),
      operations: operations(),
      jobs: fleet.queue,
      jobLookup: createBullmqJobLookup(fleet.redis, prefix()),
      newId: randomUUID,
      convergence: { graceMs: 0, maxRedrives: 5, batchSize: 100 },
    });
    expect(await convergence.converge()).toMatchObject({ settled: 1, redriven: 0, failed: 0 });
    expect(await rowsOf(worker.id)).toEqual([{ kind: "stop", state: "DONE", redrives: 0 }]);
  });
});
