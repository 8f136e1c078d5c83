import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fake-clock";
import { InMemoryWorkerRepository } from "../../test/support/in-memory-worker-repository";
import { RecordingPublisher } from "../../test/support/recording-publisher";
import { silentLogger } from "../../test/support/silent-logger";
import { aWorker } from "../../test/support/worker-factory";
import type { Requester } from "../domain/requester";
import type { Logger } from "../ports/logger.port";
import { createWorkerSettingsService } from "./worker-settings.service";

const alice: Requester = { id: "t1", name: "alice", role: "OPERATOR" };

async function setUp(tags: Record<string, string>) {
  const workers = new InMemoryWorkerRepository();
  const worker = (await workers.insert(aWorker({ tags }), [])).worker;
  const publisher = new RecordingPublisher();
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (_obj, msg) => warnings.push(msg ?? "") };
  const service = createWorkerSettingsService({ workers, publisher, clock: new FakeClock(), logger });
  return { workers, worker, publisher, warnings, service };
}

describe("worker settings", () => {
  it("saves new tags with the mutation's audit entry, then publishes them", async () => {
    const { workers, worker, publisher, service } = await setUp({});

    const saved = await service.setTags(alice, worker.id, [{ key: "owner", value: "alice" }]);

    expect(saved.tags).toEqual({ owner: "alice" });
    expect(workers.audit).toMatchObject([
      { actor: "alice", operation: "setWorkerTags", arguments: { id: worker.id, tags: { owner: "alice" } } },
    ]);
    expect(publisher.workers).toEqual([saved]);
  });

  it("writes, audits and publishes nothing when the tags are already those", async () => {
    const { workers, worker, publisher, service } = await setUp({ owner: "alice" });

    const answer = await service.setTags(alice, worker.id, [{ key: "owner", value: "alice" }]);

    expect(answer).toEqual(worker);
    expect(await workers.findById(worker.id)).toEqual(worker);
    expect(workers.audit).toEqual([]);
    expect(publisher.workers).toEqual([]);
  });

  it("answers with the saved worker when publishing fails: the saved state is the truth", async () => {
    const { workers, worker, publisher, warnings, service } = await setUp({});
    publisher.workerChanged = async () => {
      throw new Error("redis is down");
    };

    const saved = await service.setTags(alice, worker.id, [{ key: "owner", value: "alice" }]);

    expect(await workers.findById(worker.id)).toEqual(saved);
    expect(workers.audit).toHaveLength(1);
    expect(warnings).toEqual(["could not publish a worker change"]);
  });
});
