import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fake-clock";
import { RecordingPublisher } from "../../test/support/recording-publisher";
import { silentLogger } from "../../test/support/silent-logger";
import { aWorker } from "../../test/support/worker-factory";
import { userActor } from "../domain/actor";
import type { NewFleetEvent } from "../domain/fleet-event";
import type { Worker } from "../domain/worker";
import { setTags } from "../domain/worker-changes";
import { ConcurrentModificationError, ConflictError, NotFoundError } from "../errors";
import { MemoryWorkerRepository } from "../memory/memory-worker-repository";
import type { Logger } from "../ports/logger.port";
import type { AuditEntry, WorkerWriteOptions } from "../ports/worker-repository.port";
import { MAX_CONFLICT_RETRIES, unlessUnchanged, updateWorker } from "./worker-writer";

const alice = userActor("u", "alice");

function auditOf(operation: string): (now: Date) => AuditEntry {
  return (at) => ({
    at,
    actor: "alice",
    role: "OPERATOR",
    operation,
    arguments: {},
    outcome: "ok",
    errorMessage: null,
    requestId: null,
  });
}

/** A repository where another writer changes the worker just before each of our first `conflicts` saves. */
class ContendedRepository extends MemoryWorkerRepository {
  saveAttempts = 0;
  constructor(private conflicts: number) {
    super();
  }
  override async save(worker: Worker, events: readonly NewFleetEvent[], options?: WorkerWriteOptions) {
    this.saveAttempts++;
    const stored = this.workers.get(worker.id);
    if (this.conflicts > 0 && stored !== undefined) {
      this.conflicts--;
      this.workers.set(worker.id, {
        ...stored,
        tags: { ...stored.tags, sweep: "1" },
        version: stored.version + 1,
      });
    }
    return super.save(worker, events, options);
  }
}

function recordingLogger() {
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (_obj, msg) => warnings.push(msg ?? "") };
  return { logger, warnings };
}

async function setUp(conflicts = 0, initial: Partial<Worker> = { tags: {} }) {
  const workers = new ContendedRepository(conflicts);
  const worker = (await workers.insert(aWorker(initial), [])).worker;
  const publisher = new RecordingPublisher();
  const { logger, warnings } = recordingLogger();
  return {
    deps: { workers, publisher, clock: new FakeClock(), logger },
    worker,
    workers,
    publisher,
    warnings,
  };
}

const tagOwner = (worker: Worker, now: Date) =>
  unlessUnchanged(worker, setTags(worker, { owner: "alice" }, alice, now));

describe("updateWorker", () => {
  it("saves the change with its events and audit entry, then publishes both", async () => {
    const { deps, worker, workers, publisher } = await setUp();

    const saved = await updateWorker(deps, worker.id, tagOwner, { audit: auditOf("setWorkerTags") });

    expect(saved).toMatchObject({ tags: { owner: "alice" }, version: worker.version + 1 });
    expect(workers.audit.map((entry) => entry.operation)).toEqual(["setWorkerTags"]);
    expect(workers.audit[0]?.at).toEqual(deps.clock.now());
    expect(publisher.workers).toEqual([saved]);
    expect(publisher.events.map((event) => event.type)).toEqual(workers.eventTypes(worker.id));
    expect(publisher.events).toHaveLength(1);
  });

  it("recomputes the change on the newer worker when another writer got there first, auditing once", async () => {
    const { deps, worker, workers } = await setUp(1);
    const seen: number[] = [];

    const saved = await updateWorker(
      deps,
      worker.id,
      (current, now) => {
        seen.push(current.version);
        return tagOwner(current, now);
      },
      { audit: auditOf("setWorkerTags") },
    );

    expect(seen).toEqual([worker.version, worker.version + 1]);
    expect(saved).toMatchObject({ tags: { owner: "alice" }, version: worker.version + 2 });
    expect(workers.audit).toHaveLength(1);
  });

  it(`gives up after ${MAX_CONFLICT_RETRIES} retries rather than spinning, and audits nothing`, async () => {
    const { deps, worker, workers, publisher } = await setUp(100);

    await expect(
      updateWorker(deps, worker.id, tagOwner, { audit: auditOf("setWorkerTags") }),
    ).rejects.toBeInstanceOf(ConcurrentModificationError);

    expect(workers.saveAttempts).toBe(MAX_CONFLICT_RETRIES + 1);
    expect(workers.audit).toEqual([]);
    expect(publisher.workers).toEqual([]);
  });

  it("writes, audits and publishes nothing when the change changes nothing", async () => {
    const { deps, worker, workers, publisher } = await setUp(0, { tags: { owner: "alice" } });

    const answer = await updateWorker(deps, worker.id, tagOwner, { audit: auditOf("setWorkerTags") });

    expect(answer).toEqual(worker);
    expect(workers.saveAttempts).toBe(0);
    expect(workers.audit).toEqual([]);
    expect(publisher.workers).toEqual([]);
    expect(publisher.events).toEqual([]);
  });

  it("lets a change refuse with its typed error, writing nothing", async () => {
    const { deps, worker, workers } = await setUp();

    await expect(
      updateWorker(deps, worker.id, () => {
        throw new ConflictError("no");
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(updateWorker(deps, "missing", tagOwner)).rejects.toBeInstanceOf(NotFoundError);
    expect(workers.saveAttempts).toBe(0);
  });

  it("keeps a saved change when publishing fails, and logs the failure", async () => {
    const { deps, worker, workers, warnings } = await setUp();
    deps.publisher.workerChanged = async () => {
      throw new Error("redis is down");
    };

    const saved = await updateWorker(deps, worker.id, tagOwner, { audit: auditOf("setWorkerTags") });

    expect(saved.tags).toEqual({ owner: "alice" });
    expect(await workers.findById(worker.id)).toEqual(saved);
    expect(workers.audit).toHaveLength(1);
    expect(warnings).toEqual(["could not publish a worker change"]);
  });

  it("publishes a quiet change only when it carries events", async () => {
    const { deps, worker, publisher } = await setUp();

    await updateWorker(
      deps,
      worker.id,
      (current) => ({ worker: { ...current, name: "quiet" }, events: [] }),
      {
        notify: false,
      },
    );
    expect(publisher.workers).toEqual([]);

    await updateWorker(deps, worker.id, tagOwner, { notify: false });
    expect(publisher.workers).toHaveLength(1);
  });

  it("saves without an audit entry when the change has none (the jobs' changes)", async () => {
    const { deps, worker, workers } = await setUp();

    await updateWorker(deps, worker.id, tagOwner);

    expect(workers.audit).toEqual([]);
  });
});
