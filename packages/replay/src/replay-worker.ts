import { type Actor, systemActor, userActor } from "@cml-fleet/core/domain/actor";
import type { JobInfo, JobKind, JobPayloads } from "@cml-fleet/core/domain/job";
import { FIRST_USE_TRUST, NO_IDLE_TRACKING, type Worker } from "@cml-fleet/core/domain/worker";
import { createWorker } from "@cml-fleet/core/domain/worker-changes";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import { createIdleAutoStopService } from "@cml-fleet/core/services/idle-auto-stop.service";
import type { ProgressReporter } from "@cml-fleet/core/services/job-progress";
import { createLifecycleService } from "@cml-fleet/core/services/lifecycle.service";
import { createTelemetrySweepService } from "@cml-fleet/core/services/telemetry-sweep.service";
import { MemoryWorkerRepository, silentPublisher, strictLogger } from "./memory-ports";
import type { ReplaySettings } from "./replay-settings";
import { PRIORITY, SimulatedTime } from "./simulated-time";
import { SimulatedWorker } from "./simulated-worker";
import type { Trace, TraceWorker } from "./trace";

/** What the replayed fleet did with one worker, in milliseconds and counts. */
export interface WorkerOutcome {
  readonly name: string;
  readonly hourlyRate: number;
  /** Billed stretches (start call to stop call, or the end of the trace). */
  readonly billed: readonly { readonly fromMs: number; readonly toMs: number }[];
  readonly stopsDuringActivity: number;
  readonly coldStarts: number;
  readonly scheduledLateStarts: number;
  /** Stops the fleet made on its own (idle or schedule). */
  readonly automatedStops: number;
  readonly idleWarnings: number;
  /** Start or stop jobs that gave up (recorded as worker.operation_failed, as the job runtime does). */
  readonly failedJobs: number;
}

/** The person of the trace: who starts and stops workers by hand. */
const PERSON = userActor("replay-person", "trace");
const noProgress: ProgressReporter = { report: async () => {} };
/** The samples the job process lets the idle policy look back over (packages/jobs/src/job-process.ts). */
const RECENT_SAMPLES = 30;

function coveredBy(activity: TraceWorker["activity"], atMs: number): boolean {
  return activity.some((interval) => interval.fromMs <= atMs && atMs < interval.toMs);
}

function initialWorker(
  id: string,
  traceWorker: TraceWorker,
  settings: ReplaySettings,
  running: boolean,
  startMs: number,
): Worker {
  const now = new Date(startMs);
  const { worker } = createWorker({
    id,
    name: traceWorker.name,
    accountId: "default",
    region: settings.region,
    instanceType: settings.instanceType,
    image: { amiId: "ami-0replay000000000", amiName: null, cmlVersion: "2.8.1" },
    amiId: "ami-0replay000000000",
    tags: {},
    idempotencyKey: null,
    createdBy: "replay",
    actor: PERSON,
    now,
  });
  return {
    ...worker,
    instanceId: `i-replay${id}`,
    publicIp: running ? "198.51.100.10" : null,
    privateIp: "10.0.0.10",
    endpoint: running ? `https://198.51.100.10:${settings.cmlApiPort}` : null,
    status: running ? "RUNNING" : "STOPPED",
    desiredStatus: running ? "RUNNING" : "STOPPED",
    serviceStatus: running ? "AVAILABLE" : "UNAVAILABLE",
    statusReason: null,
    cmlTrust: FIRST_USE_TRUST,
    // A worker running when the trace begins is taken as started then: its snooze and minimum uptime count from there.
    idle: { ...NO_IDLE_TRACKING, lastStartedAt: running ? now : null },
  };
}

/**
 * Replays one worker of a trace through the fleet's own services: the
 * telemetry sweep and the idle auto-stop every collection interval, start and
 * stop jobs carried out by the lifecycle service, over in-memory ports and a
 * simulated cloud and CML. Workers do not affect one another in the fleet's
 * policies, so each is replayed on its own clock.
 *
 * While the worker is stopped and nothing is in flight, the periodic checks
 * are paused until something (a person, an activity) starts it: a sweep of a
 * stopped instance changes nothing the policies read after the next start.
 */
export async function replayWorker(
  trace: Trace,
  traceWorker: TraceWorker,
  index: number,
  settings: ReplaySettings,
  options: { readonly skipSteadyUse?: boolean } = {},
): Promise<WorkerOutcome> {
  const skipSteadyUse = options.skipSteadyUse ?? true;
  const id = `w${index + 1}`;
  const time = new SimulatedTime(trace.startMs);
  const runningAtStart = traceWorker.startsMs.length === 0;
  const simulated = new SimulatedWorker(time, {
    instanceId: `i-replay${id}`,
    region: settings.region,
    instanceType: settings.instanceType,
    bootMs: trace.bootMs,
    activity: traceWorker.activity,
    runningAtStart,
  });
  const repository = new MemoryWorkerRepository();
  await repository.insert(initialWorker(id, traceWorker, settings, runningAtStart, trace.startMs), []);
  const hourlyRate = traceWorker.hourlyRate ?? settings.defaultHourlyRate;
  if (hourlyRate === null) {
    throw new Error(
      `worker ${traceWorker.name} has no hourlyRate and the settings have no price for ${settings.instanceType} in ${settings.region}`,
    );
  }

  const inFlight = new Map<JobKind, JobInfo>();
  let failedJobs = 0;
  const base = {
    workers: repository,
    publisher: silentPublisher,
    clock: time,
    sleep: time.sleep,
    logger: strictLogger(),
    cloud: simulated.cloud,
    cml: simulated.cml,
    readiness: {
      cmlApiPort: settings.cmlApiPort,
      bootTimeoutMs: settings.provisioningTimeoutMs,
      cmlReadyTimeoutMs: settings.cmlStartupTimeoutMs,
      pollInitialMs: Math.min(1_000, settings.healthCheckIntervalMs),
      pollMaxMs: settings.healthCheckIntervalMs,
    },
    licenseRegistration: {
      pollIntervalMs: Math.min(5_000, settings.healthCheckIntervalMs),
      timeoutMs: settings.licenseRegistrationTimeoutMs,
    },
  };
  const lifecycle = createLifecycleService(base);

  function runJob(kind: "start" | "stop", actor: Actor, reason: string | null): JobInfo {
    const running = inFlight.get(kind);
    if (running !== undefined) {
      // The queue joins a job already queued or running for the same worker and kind.
      return running;
    }
    const info: JobInfo = {
      id: `${kind}.${id}.${time.nowMillis()}`,
      name: kind,
      workerId: id,
      state: "WAITING",
      progress: null,
      step: null,
      attempts: 0,
      failedReason: null,
      createdAt: time.now(),
      finishedAt: null,
    };
    inFlight.set(kind, info);
    time.schedule(time.nowMillis(), PRIORITY.timer, async () => {
      const manual = actor.kind === "user" && kind === "stop";
      simulated.manualStopInProgress = manual;
      try {
        if (kind === "start") {
          await lifecycle.start(id, actor, noProgress);
        } else {
          await lifecycle.stop(id, actor, reason, noProgress);
        }
      } catch (error) {
        failedJobs++;
        await lifecycle.recordOperationFailed(
          id,
          actor,
          kind,
          error instanceof Error ? error.message : String(error),
        );
      } finally {
        simulated.manualStopInProgress = false;
        inFlight.delete(kind);
      }
      resumeTicks();
    });
    return info;
  }

  const jobs: Pick<JobQueue, "enqueue"> = {
    enqueue: async <K extends JobKind>(kind: K, payload: JobPayloads[K]) => {
      if (kind !== "start" && kind !== "stop") {
        throw new Error(`the replay does not run ${kind} jobs`);
      }
      const { actor, reason } = payload as { actor?: Actor; reason?: string | null };
      return runJob(kind, actor ?? systemActor("lifecycle"), reason ?? null);
    },
  };
  const sweep = createTelemetrySweepService({
    ...base,
    sweep: {
      cmlApiPort: settings.cmlApiPort,
      cmlConcurrency: settings.cmlConcurrency,
      perWorkerTimeoutMs: settings.requestTimeoutMs * 2,
      metricWindowMs: 10 * 60_000,
      metricPeriodSeconds: 60,
      saveConcurrency: 8,
      customMetrics: { enabled: false, namespace: "CMLFleet" },
      retentionMs: settings.retentionMs,
    },
  });
  const idle = createIdleAutoStopService({
    ...base,
    jobs,
    idle: {
      policy: settings.idle,
      dryRun: settings.idle.dryRun,
      hourlyRate: () => hourlyRate,
      recentSamples: RECENT_SAMPLES,
    },
  });

  // --- the periodic checks, on the interval grid from the trace's start ---
  const interval = settings.intervalMs;
  let ticking = false;
  const nextGridMs = (fromMs: number) =>
    trace.startMs + Math.ceil((fromMs - trace.startMs) / interval) * interval;

  /** The latest grid instant strictly before `ms`. */
  const gridBeforeMs = (ms: number) =>
    trace.startMs + Math.ceil((ms - trace.startMs) / interval - 1) * interval;

  /**
   * The next check after the one at `atMs`. While people run nodes on the
   * worker (and nothing else is due), the checks in between are skipped up
   * to the last one inside that stretch of use: each of them would read the
   * same figures, find the same veto (nodes running) and write nothing the
   * policy reads later but the sample time and the last activity, which the
   * check that does run writes as they would have been left.
   */
  async function nextTickAfter(atMs: number): Promise<number> {
    const next = atMs + interval;
    const steadyUntil = simulated.steadyUseUntil();
    if (steadyUntil === null || inFlight.size > 0) {
      return next;
    }
    const worker = await repository.findById(id);
    if (
      worker?.status !== "RUNNING" ||
      worker.serviceStatus !== "AVAILABLE" ||
      worker.idle.warnedAt !== null
    ) {
      return next;
    }
    const due = time.nextDueMs();
    const target = Math.min(
      gridBeforeMs(steadyUntil),
      due === null ? Number.POSITIVE_INFINITY : gridBeforeMs(due),
    );
    return Math.max(next, target);
  }

  function scheduleTick(atMs: number): void {
    ticking = true;
    time.schedule(
      atMs,
      PRIORITY.tick,
      async () => {
        const stoppedBefore = simulated.instanceState() === "stopped" && inFlight.size === 0;
        await sweep.sweep();
        await idle.check();
        const stoppedAfter = simulated.instanceState() === "stopped" && inFlight.size === 0;
        const next = skipSteadyUse ? await nextTickAfter(atMs) : atMs + interval;
        if ((stoppedBefore && stoppedAfter) || next > trace.endMs) {
          ticking = false;
        } else {
          scheduleTick(next);
        }
      },
      true,
    );
  }

  function resumeTicks(): void {
    const next = nextGridMs(time.nowMillis());
    if (!ticking && next <= trace.endMs) {
      scheduleTick(next);
    }
  }

  // --- what people do (the trace), before the fleet's checks at the same instant ---
  let coldStarts = 0;
  const startByHand = () => {
    if (simulated.instanceState() === "stopped") {
      runJob("start", PERSON, null);
    }
    resumeTicks();
  };
  for (const atMs of traceWorker.startsMs) {
    time.schedule(atMs, PRIORITY.world, startByHand);
  }
  for (const atMs of traceWorker.stopsMs) {
    time.schedule(atMs, PRIORITY.world, () => {
      if (simulated.instanceState() !== "stopped") {
        runJob("stop", PERSON, "stopped by hand (trace)");
      }
    });
  }
  for (const interval of traceWorker.activity) {
    time.schedule(interval.fromMs, PRIORITY.world, () => {
      if (simulated.instanceState() === "stopped") {
        coldStarts++;
        startByHand();
      }
    });
  }
  scheduleTick(trace.startMs);

  await time.runUntil(trace.endMs);

  const automated = simulated.stops.filter((stop) => !stop.manual);
  return {
    name: traceWorker.name,
    hourlyRate,
    billed: simulated.billedUntil(trace.endMs),
    stopsDuringActivity: automated.filter((stop) => coveredBy(traceWorker.activity, stop.atMs)).length,
    coldStarts,
    scheduledLateStarts: 0,
    automatedStops: automated.length,
    idleWarnings: repository.events.filter((event) => event.type === "worker.idle_warning").length,
    failedJobs,
  };
}
