import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { describe, expect, it } from "vitest";
import { startJobProcess } from "../src/job-process";
import { provisionWorkers, waitForWorker } from "./support/fleet-driver";
import { FAST_RUNTIME, useHarness } from "./support/fleet-harness";

describe("CML_LICENSE_CHECK_ON_STARTUP", () => {
  const fleet = useHarness("license-at-start");

  /** The worker's license as if the fleet had not read it since it was last down. */
  async function forgetLicense(workerId: string): Promise<void> {
    const worker = await fleet.workers.findById(workerId);
    if (worker === null) {
      throw new Error("no worker");
    }
    await fleet.workers.save(
      { ...worker, license: { status: "UNKNOWN", nodeLimit: null, nodesInUse: null, checkedAt: null } },
      [],
    );
  }

  async function refreshJobsOf(workerId: string): Promise<number> {
    const jobs = await fleet.queue.list({ workerId, first: 50 });
    return jobs.filter((job) => job.name === "refresh").length;
  }

  it("off: a starting job process leaves running workers' licenses alone; on: it reads each one", {
    timeout: 240_000,
  }, async () => {
    const [worker] = await provisionWorkers(fleet, ["licensed"]);
    if (worker === undefined) {
      throw new Error("no worker");
    }
    await waitForWorker(fleet, worker.id, { license: { status: "REGISTERED" } });
    await fleet.jobs?.close();
    await forgetLicense(worker.id);

    // A job process whose settings turn the check off queues nothing for the worker.
    const off = await startJobProcess({
      settings: loadSettings({ ...fleet.env, CML_LICENSE_CHECK_ON_STARTUP: "false" }),
      logger: silentLogger,
      databaseSchema: fleet.testDb.schema,
      runtime: FAST_RUNTIME,
    });
    expect(await refreshJobsOf(worker.id)).toBe(0);
    await off.close();
    expect((await fleet.workers.findById(worker.id))?.license.status).toBe("UNKNOWN");

    // The default (true): the start queues a refresh, which reads the license from the worker's CML.
    expect(loadSettings(fleet.env).license.checkOnStartup).toBe(true);
    await fleet.startJobs();
    expect(await refreshJobsOf(worker.id)).toBe(1);
    const read = await waitForWorker(fleet, worker.id, { license: { status: "REGISTERED" } });
    expect(read.license.checkedAt).not.toBeNull();
  });
});
