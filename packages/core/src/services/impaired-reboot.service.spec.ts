import { describe, expect, it } from "vitest";
import { RecordingJobQueue } from "../../test/support/recording-job-queue";
import { fakeServiceDeps } from "../../test/support/service-deps";
import type { ImpairmentEpisode } from "../domain/status-checks";
import type { Worker } from "../domain/worker";
import { createImpairedRebootService } from "./impaired-reboot.service";

const SINCE = "2026-11-30T06:00:00.000Z";

function setup(enabled = true) {
  const deps = fakeServiceDeps();
  const jobs = new RecordingJobQueue();
  const service = createImpairedRebootService({
    ...deps,
    jobs,
    impairedReboot: { enabled, sweepsBeforeReboot: 2 },
  });
  /** A running worker whose checks have been impaired for `sweeps` sweeps. */
  async function impaired(
    sweeps: number,
    episode: Partial<ImpairmentEpisode> = {},
    overrides: Partial<Worker> = {},
  ) {
    return deps.seedRunning({
      desiredStatus: "RUNNING",
      labs: [],
      telemetry: {
        sampledAt: new Date(SINCE),
        cpuPercent: null,
        memoryPercent: null,
        networkInBytes: null,
        networkOutBytes: null,
        runningNodes: null,
        startedLabs: null,
        cmlReachable: false,
        instanceStatusCheck: "ok",
        systemStatusCheck: "impaired",
        impairment: { since: SINCE, impairedSweeps: sweeps, rebootRequestedAt: null, ...episode },
      },
      ...overrides,
    });
  }
  const events = async (worker: Worker) =>
    (await deps.workers.listEvents(worker.id, 50)).map((event) => event.type);
  return { deps, jobs, service, impaired, events };
}

describe("the impaired-reboot decision", () => {
  it("asks for one reboot job once the sweeps are reached, and never again in the episode", async () => {
    const { service, jobs, impaired, deps } = setup();
    const early = await impaired(1);
    const due = await impaired(2);
    expect(await service.decide([early, due])).toEqual(
      new Map([
        [early.id, "none"],
        [due.id, "requested"],
      ]),
    );
    expect(jobs.queued).toEqual([
      expect.objectContaining({
        kind: "reboot",
        payload: expect.objectContaining({ workerId: due.id, impairedSince: SINCE }),
      }),
    ]);
    const marked = (await deps.workers.findById(due.id)) ?? expect.unreachable();
    expect(marked.telemetry?.impairment?.rebootRequestedAt).not.toBeNull();
    expect(await service.decide([marked])).toEqual(new Map([[due.id, "none"]]));
    expect(jobs.queued).toHaveLength(1);
  });

  it("does nothing when the setting is off", async () => {
    const { service, jobs, impaired } = setup(false);
    const worker = await impaired(10);
    expect(await service.decide([worker])).toEqual(new Map([[worker.id, "none"]]));
    expect(jobs.queued).toEqual([]);
  });

  it("leaves a worker alone that is not running or not meant to run", async () => {
    const { service, jobs, impaired } = setup();
    const stopping = await impaired(5, {}, { desiredStatus: "STOPPED" });
    expect((await service.decide([stopping])).get(stopping.id)).toBe("none");
    expect(jobs.queued).toEqual([]);
  });
});

describe("the reboot job", () => {
  it("reboots through the cloud once, and a repeat of the job does nothing", async () => {
    const { service, impaired, deps, events } = setup();
    const worker = await impaired(2, { rebootRequestedAt: SINCE });
    await service.reboot(worker.id, "impaired", SINCE);
    await service.reboot(worker.id, "impaired", SINCE);
    expect(deps.cloud.calls.reboot).toBe(1);
    expect(await events(worker)).toEqual(["worker.rebooted"]);
  });

  it("does nothing for an episode that has closed, or when labs were seen started since", async () => {
    const { service, impaired, deps } = setup();
    const healed = await impaired(2, {}, {});
    await service.reboot(healed.id, "impaired", "2026-11-29T00:00:00.000Z");
    const busy = await impaired(2, {}, { labs: [{ id: "lab-1", title: "OSPF", state: "STARTED" }] });
    await service.reboot(busy.id, "impaired", SINCE);
    expect(deps.cloud.calls.reboot).toBeUndefined();
  });
});
