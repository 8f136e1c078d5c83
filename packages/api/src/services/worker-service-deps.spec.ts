import { userActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { setTags } from "@cml-fleet/core/domain/worker-changes";
import { ConcurrentModificationError } from "@cml-fleet/core/errors";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type { AuditEntry } from "@cml-fleet/platform/repositories/audit.repository";
import { describe, expect, it } from "vitest";
import { aWorker } from "../../test/support/worker-factory";
import type { AuditedWorkerRepository } from "./worker-service-deps";
import { writeWorkerChange } from "./worker-service-deps";

const NOW = new Date("2026-11-27T10:00:00Z");
const actor = userActor("u", "alice");

function audit(at: Date): AuditEntry {
  return {
    at,
    actor: "alice",
    role: "OPERATOR",
    operation: "setWorkerTags",
    arguments: {},
    outcome: "ok",
    errorMessage: null,
    requestId: null,
  };
}

/** A repository whose stored worker someone else changes before our first save lands. */
function contendedRepository(initial: Worker, conflicts: number) {
  let stored = initial;
  let remainingConflicts = conflicts;
  const saves: { worker: Worker; audit: readonly AuditEntry[] }[] = [];
  const repository: AuditedWorkerRepository = {
    findById: async () => stored,
    findByIds: async () => [stored],
    findByIdempotencyKey: async () => null,
    insert: async () => {
      throw new Error("not used");
    },
    save: async (worker, events, options) => {
      if (remainingConflicts > 0) {
        remainingConflicts--;
        stored = { ...stored, tags: { ...stored.tags, sweep: "1" }, version: stored.version + 1 };
        throw new ConcurrentModificationError("worker", worker.id);
      }
      saves.push({ worker, audit: options.audit });
      stored = { ...worker, version: worker.version + 1 };
      return { worker: stored, events: events.map((event, index) => ({ ...event, id: String(index) })) };
    },
  };
  return { repository, saves };
}

const silentPublisher: EventPublisher = {
  workerChanged: async () => undefined,
  fleetEvent: async () => undefined,
  jobUpdated: async () => undefined,
};

describe("writeWorkerChange", () => {
  it("recomputes the change on the newer worker when another writer got there first", async () => {
    const { repository, saves } = contendedRepository(aWorker({ tags: {} }), 1);
    const seen: number[] = [];
    const { saved } = await writeWorkerChange(
      { workers: repository, publisher: silentPublisher, clock: { now: () => NOW } },
      "w",
      audit,
      (worker, now) => {
        seen.push(worker.version);
        return setTags(worker, { owner: "alice" }, actor, now);
      },
    );
    expect(seen).toEqual([1, 2]);
    expect(saves).toHaveLength(1);
    expect(saves[0]?.audit).toHaveLength(1);
    expect(saved?.worker.tags).toEqual({ owner: "alice" });
  });

  it("gives up after a few conflicts rather than spinning", async () => {
    const { repository } = contendedRepository(aWorker(), 10);
    await expect(
      writeWorkerChange(
        { workers: repository, publisher: silentPublisher, clock: { now: () => NOW } },
        "w",
        audit,
        (worker, now) => setTags(worker, { owner: "alice" }, actor, now),
      ),
    ).rejects.toBeInstanceOf(ConcurrentModificationError);
  });

  it("writes nothing when the change changes nothing", async () => {
    const { repository, saves } = contendedRepository(aWorker({ tags: { owner: "alice" } }), 0);
    const { saved } = await writeWorkerChange(
      { workers: repository, publisher: silentPublisher, clock: { now: () => NOW } },
      "w",
      audit,
      (worker, now) => setTags(worker, { owner: "alice" }, actor, now),
    );
    expect(saved).toBeNull();
    expect(saves).toEqual([]);
  });
});
