import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fake-clock";
import { RecordingJobQueue } from "../../test/support/recording-job-queue";
import { RecordingPublisher } from "../../test/support/recording-publisher";
import { silentLogger } from "../../test/support/silent-logger";
import { aWorker } from "../../test/support/worker-factory";
import type { Requester } from "../domain/requester";
import type { Worker } from "../domain/worker";
import { tagSyncOf } from "../domain/worker-tags";
import { ValidationError } from "../errors";
import { MemoryWorkerRepository } from "../memory/memory-worker-repository";
import type { Logger } from "../ports/logger.port";
import { createWorkerSettingsService } from "./worker-settings.service";

const alice: Requester = { id: "t1", name: "alice", role: "OPERATOR" };

async function setUp(tags: Record<string, string>, overrides: Partial<Worker> = {}) {
  const workers = new MemoryWorkerRepository();
  const worker = (await workers.insert(aWorker({ tags, ...overrides }), [])).worker;
  const publisher = new RecordingPublisher();
  const jobs = new RecordingJobQueue();
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (_obj, msg) => warnings.push(msg ?? "") };
  const service = createWorkerSettingsService({ workers, publisher, jobs, clock: new FakeClock(), logger });
  return { workers, worker, publisher, jobs, warnings, service };
}

describe("worker settings", () => {
  it("saves new tags with the mutation's audit entry, marks them pending, queues their apply and publishes", async () => {
    const { workers, worker, publisher, jobs, service } = await setUp({});

    const { worker: saved, job } = await service.setTags(alice, worker.id, [
      { key: "owner", value: "alice" },
    ]);

    expect(saved.tags).toEqual({ owner: "alice" });
    expect(tagSyncOf(saved).pendingSince).not.toBeNull();
    expect(job).toMatchObject({ id: `apply-tags.${worker.id}`, name: "apply-tags", workerId: worker.id });
    expect(jobs.queued.map((queued) => queued.kind)).toEqual(["apply-tags"]);
    expect(workers.audit).toMatchObject([
      { actor: "alice", operation: "setWorkerTags", arguments: { id: worker.id, tags: { owner: "alice" } } },
    ]);
    expect(publisher.workers).toEqual([saved]);
  });

  it("writes, audits and queues nothing when the tags are already those and nothing is pending", async () => {
    const { workers, worker, publisher, jobs, service } = await setUp({ owner: "alice" });

    const answer = await service.setTags(alice, worker.id, [{ key: "owner", value: "alice" }]);

    expect(answer).toEqual({ worker, job: null });
    expect(await workers.findById(worker.id)).toEqual(worker);
    expect(workers.audit).toEqual([]);
    expect(publisher.workers).toEqual([]);
    expect(jobs.queued).toEqual([]);
  });

  it("queues the apply again when the same tags are asked for while they are still pending (a crash after the save)", async () => {
    const pendingSince = new Date("2026-01-05T08:00:00Z");
    const { worker, jobs, service } = await setUp(
      { owner: "alice" },
      { tagSync: { pendingSince, appliedAt: null, lastError: null } },
    );

    const answer = await service.setTags(alice, worker.id, [{ key: "owner", value: "alice" }]);

    expect(answer.job?.id).toBe(`apply-tags.${worker.id}`);
    expect(jobs.queued).toHaveLength(1);
  });

  it("only stores the tags of a worker that has no instance and is not being provisioned", async () => {
    const { worker, jobs, service } = await setUp({}, { instanceId: null, status: "FAILED" });

    const answer = await service.setTags(alice, worker.id, [{ key: "owner", value: "alice" }]);

    expect(answer.worker.tags).toEqual({ owner: "alice" });
    expect(answer.job).toBeNull();
    expect(tagSyncOf(answer.worker).pendingSince).toBeNull();
    expect(jobs.queued).toEqual([]);
  });

  it("refuses the fleet's own keys, naming the key, and changes nothing", async () => {
    const { workers, worker, jobs, service } = await setUp({ owner: "alice" });

    for (const key of ["cml-fleet:managed", "Name", "aws:cloudformation:stack-name"]) {
      const refusal = service.setTags(alice, worker.id, [{ key, value: "x" }]);
      await expect(refusal).rejects.toBeInstanceOf(ValidationError);
      await expect(refusal).rejects.toThrow(key);
    }
    expect(await workers.findById(worker.id)).toEqual(worker);
    expect(jobs.queued).toEqual([]);
  });

  it("keeps the protected keys a worker's stored tags hold (an imported Name) when people's tags change", async () => {
    const { service, worker } = await setUp({ Name: "imported-lab", owner: "alice" });

    const { worker: saved } = await service.setTags(alice, worker.id, [{ key: "course", value: "ccna" }]);

    expect(saved.tags).toEqual({ Name: "imported-lab", course: "ccna" });
  });

  it("answers with the saved worker when publishing fails: the saved state is the truth", async () => {
    const { workers, worker, publisher, warnings, service } = await setUp({});
    publisher.workerChanged = async () => {
      throw new Error("redis is down");
    };

    const { worker: saved } = await service.setTags(alice, worker.id, [{ key: "owner", value: "alice" }]);

    expect(await workers.findById(worker.id)).toEqual(saved);
    expect(workers.audit).toHaveLength(1);
    expect(warnings).toEqual(["could not publish a worker change"]);
  });
});
