import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { userActor } from "@cml-fleet/core/domain/actor";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { waitForWorker } from "./support/fleet-driver";
import { PATIENCE, useHarness } from "./support/fleet-harness";
import { type ChildJobProcess, spawnJobProcess } from "./support/job-process-child";

interface SimInstance {
  readonly instanceId: string;
  readonly state: string;
  readonly tags: Record<string, string>;
}

describe("a job process killed in the middle of provisioning", () => {
  const fleet = useHarness("crash", { jobWorkers: false });
  let dir: string;
  const children: ChildJobProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cml-fleet-crash-"));
  });
  // Before the harness closes (after hooks run last registered first).
  afterAll(async () => {
    await Promise.allSettled(children.map((child) => child.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves exactly one instance, and the next process completes the worker", {
    timeout: 180_000,
  }, async () => {
    const pauseFile = join(dir, "launched.json");
    const childEnv = {
      ...fleet.env,
      CML_FLEET_TEST_DB_SCHEMA: fleet.testDb.schema,
      CML_FLEET_TEST_LOCK_MS: "2000",
      LOG_LEVEL: "warn",
    };
    const first = spawnJobProcess({ ...childEnv, CML_FLEET_TEST_PAUSE_AFTER_LAUNCH: pauseFile });
    children.push(first);
    const worker = await fleet.createWorker("crash-me");
    await fleet.queue.enqueue("provision", { workerId: worker.id, actor: userActor("u1", "alice") });

    // The first process writes down the instance it launched, then waits to be killed.
    const launched = await vi
      .waitFor(
        () => {
          expect(existsSync(pauseFile)).toBe(true);
          return JSON.parse(readFileSync(pauseFile, "utf8")) as { instanceId: string };
        },
        { ...PATIENCE, timeout: 90_000 },
      )
      .catch((error: unknown) => {
        throw new Error(`${String(error)}\n${first.output()}`);
      });
    await first.kill();
    // The launch answered but its result was never saved: the database does not know the instance.
    expect((await fleet.workers.findById(worker.id))?.instanceId).toBeNull();

    const second = spawnJobProcess(childEnv);
    children.push(second);
    // The second process finishes provisioning.
    const done = await waitForWorker(
      fleet,
      worker.id,
      { serviceStatus: "AVAILABLE", license: { status: "REGISTERED" } },
      { ...PATIENCE, timeout: 120_000 },
    ).catch(async (error: unknown) => {
      const jobs = JSON.stringify(await fleet.queue.list({ workerId: worker.id, first: 5 }));
      throw new Error(`${String(error)}\njobs: ${jobs}\n${first.output()}\n---\n${second.output()}`);
    });

    expect(done.instanceId).toBe(launched.instanceId);
    const instances = await fleet.simJson<SimInstance[]>("/_sim/instances");
    const forWorker = instances.filter((instance) => instance.tags["cml-fleet:worker-id"] === worker.id);
    expect(forWorker).toEqual([
      expect.objectContaining({ instanceId: launched.instanceId, state: "running" }),
    ]);
    expect(await second.terminate()).toBe(0);
  });
});
