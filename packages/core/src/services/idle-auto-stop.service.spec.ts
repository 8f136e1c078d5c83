import { describe, expect, it } from "vitest";
import { fakeServiceDeps } from "../../test/support/service-deps";
import { telemetry } from "../../test/support/worker-factory";
import type { JobKind, JobPayloads } from "../domain/job";
import { NO_IDLE_TRACKING } from "../domain/worker";
import { createIdleAutoStopService } from "./idle-auto-stop.service";

const MINUTE = 60_000;

const IDLE_CONFIG = {
  dryRun: false,
  recentSamples: 30,
  hourlyRate: () => 0.34,
  policy: {
    autoShutdownEnabled: true,
    thresholdMs: 10 * MINUTE,
    warningAfterMs: 8 * MINUTE,
    snoozeAfterStartMs: 0,
    minUptimeMs: 0,
    staleTelemetryMs: 5 * MINUTE,
    cpuVetoPercent: 90,
  },
};

async function idleWorker(
  options: { dryRun?: boolean; runningNodes?: number; keepAliveMinutes?: number } = {},
) {
  const deps = fakeServiceDeps();
  const now = deps.clock.now();
  const worker = await deps.seedRunning({
    telemetry: telemetry({
      sampledAt: now,
      cpuPercent: 2,
      memoryPercent: 10,
      networkInBytes: 0,
      networkOutBytes: 0,
      runningNodes: options.runningNodes ?? 0,
    }),
    idle: {
      ...NO_IDLE_TRACKING,
      keepAliveUntil:
        options.keepAliveMinutes === undefined
          ? null
          : new Date(now.getTime() + options.keepAliveMinutes * MINUTE),
      lastStartedAt: new Date(now.getTime() - 20 * MINUTE),
    },
  });
  deps.cml.of(worker.id).runningNodes = options.runningNodes ?? 0;
  const enqueued: { kind: JobKind; payload: JobPayloads[JobKind] }[] = [];
  const service = createIdleAutoStopService({
    ...deps,
    jobs: {
      enqueue: async (kind, payload) => {
        enqueued.push({ kind, payload });
        return {
          id: `${kind}.${worker.id}`,
          name: kind,
          workerId: worker.id,
          state: "WAITING",
          progress: null,
          step: null,
          attempts: 0,
          failedReason: null,
          createdAt: now,
          startedAt: null,
          finishedAt: null,
        };
      },
    },
    idle: { ...IDLE_CONFIG, dryRun: options.dryRun ?? false },
  });
  return { deps, worker, service, enqueued };
}

describe("idle auto-stop", () => {
  it("warns first, then stops at the announced time with the policy numbers recorded", async () => {
    const { deps, worker, service, enqueued } = await idleWorker();

    expect((await service.check()).warned).toBe(1);
    const warned = await deps.workers.findById(worker.id);
    expect(warned?.idle.autoStopAt).toEqual(new Date(deps.clock.now().getTime() + 2 * MINUTE));
    expect((await service.check()).none).toBe(1);
    expect(enqueued).toEqual([]);

    deps.clock.advance(2 * MINUTE);
    expect((await service.check()).stopped).toBe(1);

    expect(enqueued).toEqual([
      {
        kind: "stop",
        payload: expect.objectContaining({ workerId: worker.id, reason: expect.stringMatching(/^idle/) }),
      },
    ]);
    expect((await deps.workers.findById(worker.id))?.idle).toMatchObject({
      warnedAt: null,
      autoStopAt: null,
    });
    const stopped = deps.workers.events.find((e) => e.type === "worker.auto_stopped");
    expect(stopped?.data).toMatchObject({
      thresholdMinutes: 10,
      warningAfterMinutes: 8,
      runningNodes: 0,
      hourlyRate: 0.34,
    });
  });

  it("words the warning and its withdrawal for people, with the policy numbers on the warning", async () => {
    const { deps, worker, service } = await idleWorker();
    await service.check();
    const autoStopAt = new Date(deps.clock.now().getTime() + 2 * MINUTE).toISOString();
    const warning = deps.workers.events.find((e) => e.type === "worker.idle_warning");
    expect(warning?.message).toBe(
      `${worker.name} is idle and will be stopped at ${autoStopAt} unless it is used`,
    );
    expect(warning?.data).toMatchObject({ reasonCode: "IDLE", thresholdMinutes: 10, autoStopAt });
    // Operators' queries and later features read these keys: the same ones the service has always written.
    expect(Object.keys(warning?.data ?? {})).toEqual([
      "reasonCode",
      "idleSince",
      "stopAt",
      "thresholdMinutes",
      "warningAfterMinutes",
      "cpuVetoPercent",
      "runningNodes",
      "startedLabs",
      "cpuPercent",
      "lastActivityAt",
      "dryRun",
      "autoStopAt",
    ]);

    // The next sweep saw a node running.
    const warned = (await deps.workers.findById(worker.id)) ?? worker;
    await deps.workers.save(
      { ...warned, telemetry: telemetry({ sampledAt: deps.clock.now(), runningNodes: 1 }) },
      [],
    );
    expect((await service.check()).cancelled).toBe(1);
    const cancelled = deps.workers.events.find((e) => e.type === "worker.idle_warning_cancelled");
    expect(cancelled).toMatchObject({ message: `${worker.name}: idle warning cancelled`, data: {} });
    expect(cancelled?.reason).toBe("1 node(s) running");
    expect(cancelled?.data).toEqual({});
    expect((await deps.workers.findById(worker.id))?.idle).toMatchObject({
      idleSince: null,
      warnedAt: null,
      autoStopAt: null,
    });
  });

  it("cancels the warning when someone uses the worker during it", async () => {
    const { deps, worker, service, enqueued } = await idleWorker();
    await service.check();
    deps.clock.advance(2 * MINUTE);
    deps.cml.of(worker.id).activity.push({ category: "start_lab", at: deps.clock.now(), userId: "student" });

    expect((await service.check()).skipped).toBe(1);

    expect(enqueued).toEqual([]);
    expect(deps.workers.eventTypes(worker.id)).toContain("worker.idle_warning_cancelled");
    expect((await deps.workers.findById(worker.id))?.idle.warnedAt).toBeNull();
  });

  it("never warns a worker with running nodes or a keep-alive", async () => {
    for (const options of [{ runningNodes: 2 }, { keepAliveMinutes: 60 }]) {
      const { deps, service, enqueued } = await idleWorker(options);
      await service.check();
      deps.clock.advance(3 * MINUTE);
      await service.check();
      expect(enqueued).toEqual([]);
      expect(deps.workers.events.filter((e) => e.type === "worker.idle_warning")).toEqual([]);
    }
  });

  it("does not stop a worker whose CML stops answering during the warning", async () => {
    const { deps, worker, service, enqueued } = await idleWorker();
    await service.check();
    deps.clock.advance(2 * MINUTE);
    deps.cml.of(worker.id).reachable = false;

    await service.check();

    expect(enqueued).toEqual([]);
    expect(deps.workers.eventTypes(worker.id)).toContain("worker.auto_stop_skipped");
  });

  it("does not stop a worker whose CML reports itself unhealthy at the last look", async () => {
    const { deps, worker, service, enqueued } = await idleWorker();
    await service.check();
    deps.clock.advance(2 * MINUTE);
    deps.cml.of(worker.id).healthy = false;

    expect((await service.check()).skipped).toBe(1);

    expect(enqueued).toEqual([]);
    expect((await deps.workers.findById(worker.id))?.serviceStatus).toBe("ERROR");
    const skipped = deps.workers.events.find((e) => e.type === "worker.auto_stop_skipped");
    expect(skipped?.data.reasonCode).toBe("SERVICE_NOT_AVAILABLE");
  });

  it("records but never stops in dry-run mode", async () => {
    const { deps, worker, service, enqueued } = await idleWorker({ dryRun: true });
    await service.check();
    deps.clock.advance(2 * MINUTE);

    expect((await service.check())["dry-run"]).toBe(1);

    expect(enqueued).toEqual([]);
    const skipped = deps.workers.events.find((e) => e.type === "worker.auto_stop_skipped");
    expect(skipped?.data.dryRun).toBe(true);
    expect((await deps.workers.findById(worker.id))?.status).toBe("RUNNING");
  });
});

describe("a stop the idle policy decided, decided again inside its stop job", () => {
  /** A worker the check has just decided to stop (the stop job queued, not run). */
  async function stopDecided() {
    const setup = await idleWorker();
    await setup.service.check();
    setup.deps.clock.advance(2 * MINUTE);
    expect((await setup.service.check()).stopped).toBe(1);
    const payload = setup.enqueued[0]?.payload;
    const decidedBy = payload !== undefined && "decidedBy" in payload ? payload.decidedBy : undefined;
    if (decidedBy === undefined || decidedBy === null) {
      throw new Error("the stop carries no decision");
    }
    return { ...setup, decidedBy };
  }

  it("queues the stop marked as the idle policy's, with the decision's time", async () => {
    const { deps, decidedBy } = await stopDecided();
    expect(decidedBy).toEqual({ policy: "idle", decidedAt: deps.clock.now().toISOString() });
  });

  it("goes ahead when the worker is still idle", async () => {
    const { worker, service, decidedBy } = await stopDecided();
    expect(await service.reconfirmStop(worker.id, decidedBy)).toEqual({ proceed: true });
  });

  it("is called off by a keep-alive set after the decision: RUNNING, desired RUNNING, an event with the reason", async () => {
    const { deps, worker, service, decidedBy } = await stopDecided();
    const current = (await deps.workers.findById(worker.id)) ?? worker;
    await deps.workers.save(
      {
        ...current,
        idle: { ...current.idle, keepAliveUntil: new Date(deps.clock.now().getTime() + 60 * MINUTE) },
      },
      [],
    );
    const verdict = await service.reconfirmStop(worker.id, decidedBy);
    expect(verdict.proceed).toBe(false);
    expect(await deps.workers.findById(worker.id)).toMatchObject({
      status: "RUNNING",
      desiredStatus: "RUNNING",
    });
    const skipped = deps.workers.events.filter((e) => e.type === "worker.auto_stop_skipped");
    expect(skipped.at(-1)).toMatchObject({
      reason: expect.stringMatching(/^kept alive until/),
      data: { cancelledStop: true, decidedBy: "idle", decidedAt: decidedBy.decidedAt },
    });
  });

  it("is called off when the worker is no longer RUNNING (unknown is not idle)", async () => {
    const { deps, worker, service, decidedBy } = await stopDecided();
    const current = (await deps.workers.findById(worker.id)) ?? worker;
    await deps.workers.save({ ...current, status: "UNKNOWN" }, []);
    expect((await service.reconfirmStop(worker.id, decidedBy)).proceed).toBe(false);
  });

  it("never calls off a stop someone asked for meanwhile (desired STOPPED), kept alive or not", async () => {
    const { deps, worker, service, decidedBy } = await stopDecided();
    const current = (await deps.workers.findById(worker.id)) ?? worker;
    await deps.workers.save(
      {
        ...current,
        desiredStatus: "STOPPED",
        idle: { ...current.idle, keepAliveUntil: new Date(deps.clock.now().getTime() + 60 * MINUTE) },
      },
      [],
    );
    expect(await service.reconfirmStop(worker.id, decidedBy)).toEqual({ proceed: true });
  });

  it("reads the workers' samples a batch at a time, not one query a worker", async () => {
    const { deps } = await idleWorker();
    for (let index = 0; index < 1_100; index++) {
      await deps.seedRunning({ telemetry: telemetry({ sampledAt: deps.clock.now(), cpuPercent: 50 }) });
    }
    const reads = { one: 0, many: [] as number[] };
    const counted = createIdleAutoStopService({
      ...deps,
      workers: Object.assign(Object.create(deps.workers) as typeof deps.workers, {
        recentTelemetry: async (workerId: string, limit: number) => {
          reads.one++;
          return deps.workers.recentTelemetry(workerId, limit);
        },
        recentTelemetryMany: async (workerIds: readonly string[], limit: number) => {
          reads.many.push(workerIds.length);
          return deps.workers.recentTelemetryMany(workerIds, limit);
        },
      }),
      jobs: { enqueue: () => Promise.reject(new Error("nothing is stopped here")) },
      idle: { ...IDLE_CONFIG },
    });

    const counts = await counted.check();

    // 1,101 workers in three reads; the quiet one is warned, the busy ones (50 % CPU) are not.
    expect(reads).toEqual({ one: 0, many: [500, 500, 101] });
    expect(counts).toMatchObject({ warned: 1, none: 1_100 });
  });
});
