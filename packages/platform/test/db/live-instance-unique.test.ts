import { ConflictError } from "@cml-fleet/core/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aWorker } from "../../../api/test/support/worker-factory";
import {
  createWorkerRepository,
  type DrizzleWorkerRepository,
} from "../../src/repositories/worker.repository";
import { createTestDatabase, type TestDatabase } from "../../src/testing/test-database";

let testDb: TestDatabase;
let repository: DrizzleWorkerRepository;

beforeAll(async () => {
  testDb = await createTestDatabase("live_instance");
  repository = createWorkerRepository(testDb.db);
});
afterAll(() => testDb.cleanup());

describe("one live worker per instance (workers_live_instance_id_unique)", () => {
  it("refuses a second live worker on an instance, as a CONFLICT, and keeps the first", async () => {
    const first = aWorker({ status: "RUNNING", instanceId: "i-0shared" }, 1);
    await repository.insert(first, []);
    const second = aWorker({ status: "STOPPED", instanceId: "i-0shared" }, 2);

    await expect(repository.insert(second, [])).rejects.toBeInstanceOf(ConflictError);
    expect((await repository.findByInstanceIds(["i-0shared"])).map((worker) => worker.id)).toEqual([
      first.id,
    ]);
  });

  it("allows workers without an instance, and a live worker on the instance of a TERMINATED one", async () => {
    await repository.insert(aWorker({ instanceId: null }, 3), []);
    await repository.insert(aWorker({ instanceId: null }, 4), []);
    const gone = aWorker({ status: "TERMINATED", desiredStatus: "TERMINATED", instanceId: "i-0reused" }, 5);
    await repository.insert(gone, []);
    const live = aWorker({ status: "RUNNING", instanceId: "i-0reused" }, 6);
    await repository.insert(live, []);

    expect((await repository.findByInstanceIds(["i-0reused"])).map((worker) => worker.id).sort()).toEqual(
      [gone.id, live.id].sort(),
    );
  });
});
