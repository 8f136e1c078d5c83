import { type Actor, systemActor } from "@cml-fleet/core/domain/actor";
import type { JobInfo, JobKind, JobPayloads } from "@cml-fleet/core/domain/job";
import { actorOf, type Requester } from "@cml-fleet/core/domain/requester";
import { nextOpening, nextScheduledAction, type Schedule, windowAt } from "@cml-fleet/core/domain/schedule";
import { FIRST_USE_TRUST, NO_IDLE_TRACKING, type Worker } from "@cml-fleet/core/domain/worker";
import { createWorker } from "@cml-fleet/core/domain/worker-changes";
import { ConflictError } from "@cml-fleet/core/errors";
import { MemoryWorkerRepository } from "@cml-fleet/core/memory/memory-worker-repository";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import { createIdleAutoStopService } from "@cml-fleet/core/services/idle-auto-stop.service";
import type { ProgressReporter } from "@cml-fleet/core/services/job-progress";
import { createLifecycleService } from "@cml-fleet/core/services/lifecycle.service";
import { createScheduleEvaluationService } from "@cml-fleet/core/services/schedule-evaluation.service";
import { createLeadTimes, MAX_SCHEDULE_LEAD_MS } from "@cml-fleet/core/services/schedule-lead-time";
import { createTelemetrySweepService } from "@cml-fleet/core/services/telemetry-sweep.service";
import { requestOperation } from "@cml-fleet/core/services/worker-commands.service";
import { memoryScheduleStore, memoryStartHistory, silentPublisher, strictLogger } from "./memory-ports";
import type { ReplaySettings } from "./replay-settings";
import { PRIORITY, type Priority, SimulatedTime } from "./simulated-time";
import { SimulatedWorker } from "./simulated-worker";
import type { Trace, TraceWorker } from "./trace";

/** What the replay counts of one worker: the outcome has them, and the report shows them as they are. */
export interface WorkerCounts {
  readonly stopsDuringActivity: number;
  readonly coldStarts: number;
  readonly scheduledLateStarts: number;
  /** Stops the fleet made on its own (idle or schedule). */
  readonly automatedStops: number;
  readonly idleWarnings: number;
  /** Start or stop jobs that gave up (recorded as worker.operation_failed, as the job runtime does). */
  readonly failedJobs: number;
}

/** What the replayed fleet did with one worker, in milliseconds and counts. */
export interface WorkerOutcome extends WorkerCounts {
  readonly name: string;
  readonly hourlyRate: number;
  /** Billed stretches (start call to stop call, or the end of the trace). */
  readonly billed: readonly { readonly fromMs: number; readonly toMs: number }[];
}

/** The person of the trace: who starts and stops workers by hand (through the API's path). */
const PERSON: Requester = { id: "replay-person", name: "trace", role: "OPERATOR" };
const noProgress: ProgressReporter = { report: async () => {} };
/** The samples the job process lets the idle policy look back over (packages/jobs/src/job-process.ts). */
const RECENT_SAMPLES = 30;
/** Samples kept per worker: far more than any service looks back over, and a replay's memory and time stay flat. */
const KEPT_SAMPLES = 256;
/** The starts the job process learns a lead from (packages/jobs/src/job-process.ts). */
const START_HISTORY_SAMPLES = 20;
const SCHEDULE_ID = "schedule-1";

/**
 * One periodic run at a time on the simulated clock: planning an earlier
 * instant than the one planned replaces it (the run planned before does
 * nothing when its time comes), a later one (or one past `lastMs`) is
 * ignored, and a run forgets its plan as it starts, so it may plan the next.
 */
function plannedRun(
  time: SimulatedTime,
  priority: Priority,
  lastMs: number,
): (atMs: number, run: () => Promise<void>) => void {
  let plannedAtMs: number | null = null;
  let generation = 0;
  return (atMs, run) => {
    if (atMs > lastMs || (plannedAtMs !== null && plannedAtMs <= atMs)) {
      return;
    }
    const planned = ++generation;
    plannedAtMs = atMs;
    time.schedule(
      atMs,
      priority,
      async () => {
        if (planned !== generation) {
          return;
        }
        plannedAtMs = null;
        await run();
      },
      true,
    );
  };
}

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
    actor: actorOf(PERSON),
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
    scheduleId: traceWorker.schedule === null ? null : SCHEDULE_ID,
    scheduleState: null,
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
  options: { readonly exact?: boolean } = {},
): Promise<WorkerOutcome> {
  const optimized = options.exact !== true;
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
  const repository = new MemoryWorkerRepository({ samplesPerWorker: KEPT_SAMPLES });
  await repository.insert(initialWorker(id, traceWorker, settings, runningAtStart, trace.startMs), []);
  const hourlyRate = traceWorker.hourlyRate ?? settings.defaultHourlyRate;
  if (hourlyRate === null) {
    throw new Error(
      `worker ${traceWorker.name} has no hourlyRate and the settings have no price for ${settings.instanceType} in ${settings.region}`,
    );
  }

  const inFlight = new Map<JobKind, JobInfo>();
  let failedJobs = 0;
  const schedule: Schedule | null =
    traceWorker.schedule === null
      ? null
      : { ...traceWorker.schedule, id: SCHEDULE_ID, name: traceWorker.name };
  const schedules = memoryScheduleStore(schedule === null ? [] : [schedule]);
  const startHistory = memoryStartHistory(repository);
  const scheduleLead = {
    defaultLeadMs: settings.scheduleDefaultLeadMs,
    maxLeadMs: MAX_SCHEDULE_LEAD_MS,
    historySamples: START_HISTORY_SAMPLES,
    slackMs: settings.scheduleIntervalMs,
  };
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

  let lane: Promise<void> = Promise.resolve();
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
      startedAt: null,
      finishedAt: null,
    };
    inFlight.set(kind, info);
    const body = async () => {
      simulated.manualStopInProgress = actor.kind === "user" && kind === "stop";
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
      await replan();
    };
    // The job process's per-worker lock: one operation at a time, the next once the one before has finished.
    time.schedule(time.nowMillis(), PRIORITY.timer, () => {
      const run = lane.then(body);
      lane = run.catch(() => {});
      return run;
    });
    return info;
  }

  const jobs: Pick<JobQueue, "enqueue"> = {
    enqueue: async <K extends JobKind>(kind: K, payload: JobPayloads[K]) => {
      if (kind !== "start" && kind !== "stop") {
        throw new Error(`the replay does not run ${kind} jobs`);
      }
      const { actor, reason } = payload as { actor?: Actor; reason?: string | null };
      const info = runJob(kind, actor ?? systemActor("lifecycle"), reason ?? null);
      // Something is in flight now: the periodic work resumes if it was paused.
      await replan();
      return info;
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
      retentionMs: settings.retentionMs,
    },
  });
  const idle = createIdleAutoStopService({
    ...base,
    jobs,
    schedules,
    idle: {
      policy: settings.idle,
      dryRun: settings.idle.dryRun,
      hourlyRate: () => hourlyRate,
      recentSamples: RECENT_SAMPLES,
    },
  });
  const scheduleEvaluation = createScheduleEvaluationService({
    ...base,
    schedules,
    startHistory,
    scheduleLead,
    jobs,
  });

  // --- the periodic work, each on its own grid from the trace's start ---
  const interval = settings.intervalMs;
  const scheduleInterval = settings.scheduleIntervalMs;
  const gridAtOrAfter = (ms: number, step: number) =>
    trace.startMs + Math.ceil((ms - trace.startMs) / step) * step;
  /** The latest grid instant strictly before `ms`. */
  const gridBefore = (ms: number, step: number) => gridAtOrAfter(ms, step) - step;

  /** Whether nothing can happen to the worker until someone starts it: stopped, nothing in flight. */
  const dormant = () => simulated.instanceState() === "stopped" && inFlight.size === 0;

  /**
   * The next check after the one at `atMs`. While the idle verdict is bound
   * to be a veto (people run nodes on the worker; its schedule's window is
   * open; it was started less than the snooze ago) and nothing a person or a
   * job does is due, the checks in between are skipped up to the last one
   * before the veto can lift: each would read figures that change nothing
   * the policy reads later (the newest activity, which the check that does run
   * reads from CML's audit as they would have left it) and write nothing else.
   */
  async function nextCheckAfter(atMs: number): Promise<number> {
    const next = atMs + interval;
    if (!optimized || inFlight.size > 0 || !simulated.cmlReady()) {
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
    const nowMs = time.nowMillis();
    const startedMs = worker.idle.lastStartedAt?.getTime() ?? null;
    const vetoedUntil = Math.max(
      simulated.steadyUseUntil() ?? nowMs,
      (schedule === null ? null : windowAt(schedule, time.now())?.closesAt.getTime()) ?? nowMs,
      startedMs === null ? nowMs : startedMs + settings.idle.snoozeAfterStartMs,
    );
    if (vetoedUntil <= nowMs) {
      return next;
    }
    const due = time.nextDueMs(PRIORITY.timer);
    const target = Math.min(
      gridBefore(vetoedUntil, interval),
      due === null ? Number.POSITIVE_INFINITY : gridBefore(due, interval),
    );
    return Math.max(next, target);
  }

  const checksRun = plannedRun(time, PRIORITY.tick, trace.endMs);
  function planChecks(atMs: number): void {
    checksRun(atMs, async () => {
      const dormantBefore = dormant();
      await sweep.sweep();
      await idle.check();
      // A sweep of a stopped instance changes nothing the policies read after the next start: pause until then.
      if (!(optimized && dormantBefore && dormant())) {
        planChecks(await nextCheckAfter(atMs));
      }
    });
  }

  /**
   * When the schedule could next act, from the worker's state: every
   * evaluation while it is up (it marks openings and records late starts);
   * while it is dormant, the first evaluation at or after the schedule's next
   * START (the fleet's own `nextScheduledAction`, with the lead the evaluation
   * would use), since every evaluation before it finds nothing due.
   */
  async function nextEvaluationAfter(atMs: number): Promise<number | null> {
    const next = atMs + scheduleInterval;
    if (schedule === null || !optimized || !dormant()) {
      return next;
    }
    const worker = await repository.findById(id);
    if (worker === null) {
      return null;
    }
    const leadMs = schedule.readyAtStart
      ? await createLeadTimes(startHistory, scheduleLead).leadMs(worker)
      : 0;
    const action = nextScheduledAction(schedule, time.now(), {
      status: worker.status,
      leadMs,
      handledOpeningAt: worker.scheduleState?.openingAt ?? null,
    });
    return action === null ? null : Math.max(next, gridAtOrAfter(action.at.getTime(), scheduleInterval));
  }

  /**
   * What the schedule evaluation reads of the worker: while none of it moves,
   * and no window opens or closes and no start's lead begins, an evaluation
   * that found nothing to do finds nothing again.
   */
  const evaluationInputs = (worker: Worker | null): string => {
    if (worker === null) {
      return "";
    }
    const state = worker.scheduleState ?? null;
    return `${worker.status} ${worker.serviceStatus} ${worker.desiredStatus} ${worker.scheduleId ?? ""} ${
      state === null
        ? "-"
        : `${state.openingAt.getTime()} ${state.startedAt?.getTime() ?? "-"} ${state.leadMs} ${state.lateRecorded}`
    } ${repository.events.length}`;
  };
  let settled: { inputs: string; untilMs: number } | null = null;

  /** The schedule evaluation, skipped only where it is sure to find nothing again (see `evaluationInputs`). */
  async function evaluateUnlessSettled(): Promise<void> {
    const nowMs = time.nowMillis();
    if (
      settled !== null &&
      nowMs < settled.untilMs &&
      evaluationInputs(await repository.findById(id)) === settled.inputs
    ) {
      return;
    }
    settled = null;
    const counts = await scheduleEvaluation.evaluate();
    if (!optimized || schedule === null || counts.none !== 1) {
      return;
    }
    const worker = await repository.findById(id);
    if (worker === null) {
      return;
    }
    const now = time.now();
    const leadMs = schedule.readyAtStart
      ? await createLeadTimes(startHistory, scheduleLead).leadMs(worker)
      : 0;
    const open = windowAt(schedule, now);
    const upcoming = nextOpening(schedule, now);
    const boundaries = [
      open?.closesAt.getTime(),
      upcoming === null ? undefined : upcoming.opensAt.getTime() - leadMs,
      upcoming?.opensAt.getTime(),
    ].filter((ms): ms is number => ms !== undefined && ms > nowMs);
    settled = {
      inputs: evaluationInputs(worker),
      untilMs: boundaries.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...boundaries),
    };
  }

  const evaluationRun = plannedRun(time, PRIORITY.schedule, trace.endMs);
  function planEvaluation(atMs: number | null): void {
    if (schedule === null || atMs === null) {
      return;
    }
    evaluationRun(atMs, async () => {
      await evaluateUnlessSettled();
      planEvaluation(await nextEvaluationAfter(atMs));
    });
  }

  /** After anything that may wake the worker: the periodic work runs again from the next grid instant. */
  async function replan(): Promise<void> {
    const nowMs = time.nowMillis();
    planChecks(gridAtOrAfter(nowMs, interval));
    planEvaluation(gridAtOrAfter(nowMs, scheduleInterval));
  }

  // --- what people do (the trace), before the fleet's work at the same instant ---
  async function byHand(operation: "start" | "stop", reason: string | null): Promise<void> {
    // The API's own path for a person's startWorker/stopWorker: the intent and its event, then the job. A request
    // the worker's state refuses (CONFLICT) is refused as the API would refuse it; the person's click does nothing.
    await requestOperation(
      {
        ...base,
        jobs: { get: async (jobId) => [...inFlight.values()].find((job) => job.id === jobId) ?? null },
      },
      {
        by: PERSON,
        operation,
        workerId: id,
        reason,
        details: {},
        retryOf: null,
        payload: async (_worker, actor) => ({ workerId: id, actor, reason }),
        queue: async (payload) => runJob(operation, payload.actor, reason),
      },
    ).catch((error: unknown) => {
      if (!(error instanceof ConflictError)) {
        throw error;
      }
    });
    await replan();
  }

  /** Stopped, and no start already asked for (a start asked at this very instant has not run yet). */
  const stoppedForGood = () =>
    (simulated.instanceState() === "stopped" || inFlight.has("stop")) && !inFlight.has("start");
  let coldStarts = 0;
  for (const atMs of traceWorker.startsMs) {
    time.schedule(atMs, PRIORITY.world, async () => {
      if (stoppedForGood()) {
        await byHand("start", null);
      }
    });
  }
  for (const atMs of traceWorker.stopsMs) {
    time.schedule(atMs, PRIORITY.world, async () => {
      if (simulated.instanceState() !== "stopped") {
        await byHand("stop", "stopped by hand (trace)");
      }
    });
  }
  for (const activity of traceWorker.activity) {
    time.schedule(activity.fromMs, PRIORITY.world, async () => {
      if (stoppedForGood()) {
        coldStarts++;
        await byHand("start", "a person needs it now (cold start)");
      }
    });
  }
  planEvaluation(trace.startMs);
  planChecks(trace.startMs);

  await time.runUntil(trace.endMs);

  const automated = simulated.stops.filter((stop) => !stop.manual);
  return {
    name: traceWorker.name,
    hourlyRate,
    billed: simulated.billedUntil(trace.endMs),
    stopsDuringActivity: automated.filter((stop) => coveredBy(traceWorker.activity, stop.atMs)).length,
    coldStarts,
    scheduledLateStarts: repository.events.filter((event) => event.type === "worker.schedule_late").length,
    automatedStops: automated.length,
    idleWarnings: repository.events.filter((event) => event.type === "worker.idle_warning").length,
    failedJobs,
  };
}
