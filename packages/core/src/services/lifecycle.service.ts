import type { Actor } from "../domain/actor";
import type { Worker } from "../domain/worker";
import { workerEvent } from "../domain/worker-changes-common";
import type { DesiredStatus, WorkerStatus } from "../domain/worker-status";
import { type CloudCallPacer, unpacedCloudCalls } from "../ports/cloud-call-pacer.port";
import { lastActionTags } from "./fleet-tags";
import {
  type ReadinessDeps,
  requireInstanceId,
  stepUntilCmlReady,
  stepUntilRunning,
  targetOf,
  withInstance,
} from "./instance-readiness";
import type { ProgressReporter } from "./job-progress";
import type { LicenseDeps } from "./license-registration";
import { releaseLicenseBeforeTerminate } from "./license-release";
import { loadWorker } from "./load-worker";
import { pollUntil, type WaitProgress } from "./poll";
import { withStatus } from "./worker-events";
import { observeWorker } from "./worker-observation";
import { updateWorker } from "./worker-writer";

export interface LifecycleDeps extends ReadinessDeps, LicenseDeps {
  readonly workers: ReadinessDeps["workers"];
  /** Paces StartInstances to EC2's rate across every job process; unset, starts go at once. */
  readonly cloudPacer?: CloudCallPacer | undefined;
}

/** Where a start step stands: done (the worker as it ended), or waiting this long before the next look. */
export type StartStep =
  | { readonly kind: "done"; readonly worker: Worker }
  | { readonly kind: "wait"; readonly delayMs: number; readonly progress: WaitProgress };

/** The wait for a StartInstances token: a step that resumes it holds a reserved token and starts at once. */
const START_PHASE = "start";

/**
 * The desired status a worker goes back to when its terminate failed before
 * the instance was asked to go: the one its status is heading to. Null when
 * nothing changes: the worker is already going (SHUTTING_DOWN: EC2 finishes
 * the job, reconciliation records it), nobody asked to terminate it, or its
 * status says nothing about what is wanted (FAILED, UNKNOWN).
 */
function desiredAfterFailedTerminate(worker: Worker): DesiredStatus | null {
  if (worker.desiredStatus !== "TERMINATED") {
    return null;
  }
  switch (worker.status) {
    case "RUNNING":
    case "PENDING":
      return "RUNNING";
    case "STOPPED":
    case "STOPPING":
      return "STOPPED";
    default:
      return null;
  }
}

export function createLifecycleService(deps: LifecycleDeps) {
  const load = (workerId: string) => loadWorker(deps.workers, workerId);
  const pacer = deps.cloudPacer ?? unpacedCloudCalls;

  async function tagLastAction(
    worker: Worker,
    action: string,
    actor: Actor,
    reason: string | null,
  ): Promise<void> {
    if (worker.instanceId === null) {
      return;
    }
    try {
      await deps.cloud.setTags(
        targetOf(worker),
        [worker.instanceId],
        lastActionTags(action, actor, reason, deps.clock.now()),
      );
    } catch (error) {
      // The tag is a courtesy for people reading the console; the state change stands.
      deps.logger.warn(
        { err: error, workerId: worker.id },
        "could not tag the instance with its last action",
      );
    }
  }

  /**
   * Records the status an operation just moved the worker to, together with
   * what that move settles besides (the desired status, CML going away).
   */
  function recordMove(
    workerId: string,
    status: WorkerStatus,
    actor: Actor,
    reason: string | null,
    settles: (current: Worker, now: Date) => Partial<Worker>,
  ): Promise<Worker> {
    return updateWorker(deps, workerId, (current, now) => {
      const next = withStatus(current, status, actor, now, reason);
      return { worker: { ...next.worker, ...settles(current, now) }, events: next.events };
    });
  }

  /** Polls EC2 until the instance reaches `state`, recording what it passes through. */
  async function waitForState(
    worker: Worker,
    state: "stopped" | "terminated",
    actor: Actor,
    reason: string | null = null,
  ): Promise<Worker> {
    const instanceId = requireInstanceId(worker);
    const instance = await pollUntil(
      deps,
      {
        what: `instance ${instanceId} to be ${state}`,
        upstream: "ec2",
        deadline: new Date(deps.clock.now().getTime() + deps.readiness.bootTimeoutMs),
        initialDelayMs: deps.readiness.pollInitialMs,
        maxDelayMs: deps.readiness.pollMaxMs,
      },
      async () => {
        const found = await deps.cloud.describe(targetOf(worker), instanceId);
        if (found === null && state === "terminated") {
          return { gone: true as const };
        }
        return found !== null && found.state === state ? { gone: false as const, found } : null;
      },
    );
    return updateWorker(deps, worker.id, (current, now) => {
      const next = instance.gone
        ? withStatus(current, "TERMINATED", actor, now)
        : withInstance(current, instance.found, deps.readiness.cmlApiPort, actor, now);
      // The operator's reason stays on the worker in the state it asked for ("stopped: end of class").
      const worker = reason === null ? next.worker : { ...next.worker, statusReason: reason };
      return { worker, events: next.events };
    });
  }

  const service = {
    /**
     * A start, stop or terminate job that will not be tried again: the
     * intent is recorded as failed (an event, and the reason on the worker)
     * so that it is visible, rather than left silently unmet. Runs outside
     * the job's bound, so a timed-out job can still record its failure.
     */
    async recordOperationFailed(
      workerId: string,
      actor: Actor,
      operation: "start" | "stop" | "terminate",
      reason: string,
    ): Promise<Worker> {
      return updateWorker(deps, workerId, (current, now) => {
        // A terminate that failed before the instance was asked to go (refused while nodes run, a license
        // that could not be freed, a failed snapshot) gives the worker back its intent, in this same write:
        // else desiredStatus=TERMINATED would stay behind on a worker that keeps running.
        const kept = operation === "terminate" ? desiredAfterFailedTerminate(current) : null;
        const desiredStatus = kept ?? current.desiredStatus;
        return {
          worker: { ...current, desiredStatus, statusReason: `${operation} failed: ${reason}` },
          events: [
            workerEvent(
              current,
              "worker.operation_failed",
              kept === null
                ? `${current.name}: ${operation} failed`
                : `${current.name}: ${operation} failed; desired status back to ${kept}`,
              {
                actor,
                reason,
                now,
                data: {
                  operation,
                  status: current.status,
                  desiredStatus,
                  ...(kept === null ? {} : { previousDesiredStatus: current.desiredStatus }),
                },
              },
            ),
          ],
        };
      });
    },

    /**
     * One step of a start: StartInstances (paced: a step may first wait for
     * a token), then the boot and CML waits, one look per step; where it
     * would wait it returns how long until the next look, so the job hands
     * its slot back meanwhile. `previous` is where the last step's wait
     * stood (null for an attempt's first step: only that one asks EC2 to start).
     */
    async startStep(
      workerId: string,
      actor: Actor,
      progress: ProgressReporter,
      previous: WaitProgress | null,
    ): Promise<StartStep> {
      let worker = await load(workerId);
      const instanceId = requireInstanceId(worker);
      const starting = previous === null || previous.phase === START_PHASE;
      if (starting && worker.status !== "RUNNING") {
        // A token reserved by an earlier step is this call's own: it goes now without asking again.
        if (previous?.phase !== START_PHASE) {
          const waitMs = await pacer.reserve("mutating", targetOf(worker));
          if (waitMs > 0) {
            await progress.report(0.05, "waiting for a StartInstances token");
            return {
              kind: "wait",
              delayMs: waitMs,
              progress: { phase: START_PHASE, polls: 0, nextDelayMs: 0 },
            };
          }
        }
        await progress.report(0.1, "starting instance");
        const change = await deps.cloud.start(targetOf(worker), instanceId);
        await tagLastAction(worker, "start", actor, null);
        const status = change.currentState === "running" ? "RUNNING" : "PENDING";
        worker = await recordMove(workerId, status, actor, null, (current, now) => ({
          desiredStatus: "RUNNING",
          serviceStatus: "UNAVAILABLE",
          idle: { ...current.idle, lastStartedAt: now, idleSince: null, warnedAt: null, autoStopAt: null },
        }));
      }
      if (worker.status !== "RUNNING" || worker.serviceStatus === "UNAVAILABLE") {
        if (previous?.phase !== "boot") {
          await progress.report(0.3, "waiting for the instance to run");
        }
        // A stopped and started instance usually gets a new public IP: re-read it.
        const step = await stepUntilRunning(deps, worker, actor, previous);
        if (step.kind === "wait") {
          return step;
        }
        worker = step.worker;
      }
      if (worker.serviceStatus !== "AVAILABLE") {
        if (previous?.phase !== "cml") {
          await progress.report(0.6, "waiting for CML to be ready");
        }
        const step = await stepUntilCmlReady(deps, worker, actor, previous);
        if (step.kind === "wait") {
          return step;
        }
        worker = step.worker;
      }
      await progress.report(1, "available");
      return { kind: "done", worker };
    },

    /** The whole start in one call, waiting in place between steps (deps.sleep): for callers that are not a job. */
    async start(workerId: string, actor: Actor, progress: ProgressReporter): Promise<Worker> {
      let previous: WaitProgress | null = null;
      for (;;) {
        const step = await service.startStep(workerId, actor, progress, previous);
        if (step.kind === "done") {
          return step.worker;
        }
        await deps.sleep(step.delayMs);
        previous = step.progress;
      }
    },

    async stop(
      workerId: string,
      actor: Actor,
      reason: string | null,
      progress: ProgressReporter,
    ): Promise<Worker> {
      let worker = await load(workerId);
      const instanceId = requireInstanceId(worker);
      if (worker.status !== "STOPPED") {
        await progress.report(0.1, "stopping instance");
        const change = await deps.cloud.stop(targetOf(worker), instanceId);
        const action = actor.kind === "system" && actor.policy === "idle-auto-stop" ? "auto-stop" : "stop";
        await tagLastAction(worker, action, actor, reason);
        const status = change.currentState === "stopped" ? "STOPPED" : "STOPPING";
        worker = await recordMove(workerId, status, actor, reason, () => ({
          desiredStatus: "STOPPED",
          serviceStatus: "UNAVAILABLE",
        }));
        deps.cml.forget(workerId);
      }
      if (worker.status !== "STOPPED") {
        await progress.report(0.4, "waiting for the instance to stop");
        worker = await waitForState(worker, "stopped", actor, reason);
      }
      await progress.report(1, "stopped");
      return worker;
    },

    /**
     * Deregisters the license first (a license on a destroyed instance stays
     * "in use" on the Smart Account), then terminates the instance.
     */
    async terminate(
      workerId: string,
      actor: Actor,
      force: boolean,
      progress: ProgressReporter,
    ): Promise<Worker> {
      let worker = await load(workerId);
      if (worker.status === "TERMINATED") {
        return worker;
      }
      if (worker.instanceId === null) {
        return recordMove(workerId, "TERMINATED", actor, "never launched", () => ({
          desiredStatus: "TERMINATED",
        }));
      }
      if (worker.status !== "SHUTTING_DOWN") {
        await progress.report(0.1, "deregistering the license");
        worker = await releaseLicenseBeforeTerminate(deps, worker, actor, force);
        await progress.report(0.4, "terminating instance");
        await deps.cloud.terminate(targetOf(worker), requireInstanceId(worker));
        worker = await recordMove(workerId, "SHUTTING_DOWN", actor, null, () => ({
          desiredStatus: "TERMINATED",
          serviceStatus: "UNAVAILABLE",
        }));
        deps.cml.forget(workerId);
      }
      await progress.report(0.7, "waiting for the instance to terminate");
      worker = await waitForState(worker, "terminated", actor);
      await progress.report(1, "terminated");
      return worker;
    },

    /** One worker's full state now: EC2, then CML when it runs. */
    async refresh(workerId: string, actor: Actor, progress: ProgressReporter): Promise<Worker> {
      await progress.report(0.1, "reading EC2 and CML");
      const worker = await observeWorker(deps, await load(workerId), actor);
      await progress.report(1, "refreshed");
      return worker;
    },
  };
  return service;
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;
