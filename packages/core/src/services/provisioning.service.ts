import type { Actor } from "../domain/actor";
import { type LaunchSnapshot, launchSnapshotIn } from "../domain/snapshot";
import { cmlTrustOf, type Worker } from "../domain/worker";
import { workerEvent } from "../domain/worker-changes-common";
import { clearCertificatePin } from "../domain/worker-changes-trust";
import { ValidationError } from "../errors";
import { type CloudCallPacer, unpacedCloudCalls } from "../ports/cloud-call-pacer.port";
import type { LaunchRequest } from "../ports/cloud-provider.port";
import { launchTags } from "./fleet-tags";
import {
  type ReadinessDeps,
  stepUntilCmlReady,
  stepUntilRunning,
  targetOf,
  withInstance,
} from "./instance-readiness";
import type { ProgressReporter } from "./job-progress";
import { launchClientToken } from "./launch-client-token";
import { type LicenseDeps, registerWorkerLicense } from "./license-registration";
import { loadWorker } from "./load-worker";
import { isRetryable, type WaitProgress } from "./poll";
import { withStatus } from "./worker-events";
import { updateWorker } from "./worker-writer";

/** Where and how a worker's instance is launched (network, key pair), from settings. */
export type LaunchPlacement = Pick<
  LaunchRequest,
  "subnetId" | "securityGroupIds" | "keyName" | "assignPublicIp" | "detailedMonitoring"
>;

export interface ProvisioningDeps extends ReadinessDeps, LicenseDeps {
  readonly workers: ReadinessDeps["workers"];
  readonly placement: (worker: Worker) => LaunchPlacement;
  /** Registered on each new worker when set. */
  readonly licenseToken: string | null;
  /**
   * Test hook: runs right after the launch call answered and before its
   * instance id is saved, so a test can kill the process at the worst moment.
   */
  readonly afterLaunch?: ((workerId: string, instanceId: string) => Promise<void>) | undefined;
  /** Paces RunInstances to EC2's rate across every job process; unset, launches go at once. */
  readonly cloudPacer?: CloudCallPacer | undefined;
}

/** Where a provision step stands: done (the worker as it ended), or waiting this long before the next look. */
export type ProvisionStep =
  | { readonly kind: "done"; readonly worker: Worker }
  | { readonly kind: "wait"; readonly delayMs: number; readonly progress: WaitProgress };

const PROVISION_FAILED = "provision";
/** The wait for a RunInstances token: a step that resumes it holds a reserved token and launches at once. */
const LAUNCH_PHASE = "launch";

export function createProvisioningService(deps: ProvisioningDeps) {
  const load = (workerId: string) => loadWorker(deps.workers, workerId);
  const pacer = deps.cloudPacer ?? unpacedCloudCalls;

  /**
   * A new launch attempt starts after each provisioning that failed and gave
   * its instance back; until then every retry reuses the same client token, so
   * a job that died after RunInstances gets the same instance, not a second.
   */
  async function launchAttempt(worker: Worker): Promise<number> {
    const events = await deps.workers.listEvents(worker.id, 500);
    return events.filter(
      (event) =>
        event.type === "worker.failed" &&
        event.data.phase === PROVISION_FAILED &&
        event.data.instanceReleased === true,
    ).length;
  }

  /** The worker's live instance, or null when it has none yet (or its last one is gone). */
  async function liveInstanceOf(worker: Worker) {
    if (worker.instanceId === null) {
      return null;
    }
    const instance = await deps.cloud.describe(targetOf(worker), worker.instanceId);
    if (instance === null || instance.state === "terminated" || instance.state === "shutting-down") {
      return null;
    }
    return instance;
  }

  /** The worker's AMI id; a worker created with only an AMI name gets the newest available image of that name. */
  async function imageIdOf(worker: Worker): Promise<string> {
    if (worker.amiId !== "") {
      return worker.amiId;
    }
    if (worker.amiName === null) {
      throw new ValidationError("amiId", `worker ${worker.name} has neither an AMI id nor an AMI name`);
    }
    const images = await deps.cloud.findImages(targetOf(worker), worker.amiName);
    const newest = images
      .filter((image) => image.state === "available")
      .sort((a, b) => (b.creationDate?.getTime() ?? 0) - (a.creationDate?.getTime() ?? 0))[0];
    if (newest === undefined) {
      throw new ValidationError("amiId", `no available AMI named ${worker.amiName} in ${worker.region}`);
    }
    return newest.imageId;
  }

  /** The snapshot createWorker asked the root volume to be restored from (recorded with its creation), if any. */
  async function launchSnapshotOf(worker: Worker): Promise<LaunchSnapshot | null> {
    const events = await deps.workers.listEvents(worker.id, 500);
    const created = events.find((event) => event.type === "worker.created");
    return created === undefined ? null : launchSnapshotIn(created.data);
  }

  async function launch(worker: Worker, actor: Actor): Promise<Worker> {
    const attempt = await launchAttempt(worker);
    const imageId = await imageIdOf(worker);
    const launchSnapshot = await launchSnapshotOf(worker);
    const instance = await deps.cloud.launch({
      target: targetOf(worker),
      clientToken: launchClientToken(worker.id, attempt),
      name: worker.name,
      instanceType: worker.instanceType,
      imageId,
      tags: launchTags(worker),
      ...deps.placement(worker),
      rootSnapshotId: launchSnapshot?.snapshotId,
    });
    if (deps.afterLaunch !== undefined) {
      await deps.afterLaunch(worker.id, instance.instanceId);
    }
    return updateWorker(deps, worker.id, (current, now) => {
      const pending = withStatus(current, "PENDING", actor, now);
      const applied = withInstance(pending.worker, instance, deps.readiness.cmlApiPort, actor, now);
      const launched = workerEvent(
        current,
        "worker.operation_requested",
        `${current.name}: launched ${instance.instanceId} (${current.instanceType} in ${current.region})`,
        {
          actor,
          reason: null,
          now,
          data: {
            operation: "launch",
            instanceId: instance.instanceId,
            attempt,
            previousCertificatePin: cmlTrustOf(current).certificateFingerprint,
            ...(launchSnapshot === null ? {} : { launchSnapshot }),
          },
        },
      );
      return {
        worker: {
          // A new instance has a new CML certificate: the old pin goes, the first contact pins the new one.
          ...clearCertificatePin(applied.worker),
          amiId: imageId,
          desiredStatus: "RUNNING",
          // The launch opens the idle policy's snooze window, as a start does.
          idle: { ...applied.worker.idle, lastStartedAt: now },
        },
        events: [...pending.events, ...applied.events, launched],
      };
    });
  }

  const service = {
    /**
     * One step of launch -> running -> addresses -> CML ready -> license ->
     * AVAILABLE: it goes as far as it can now and, where it would wait (a
     * RunInstances token, the boot, CML), returns how long until it should
     * look again, so the job can hand its slot back meanwhile. `previous` is
     * where the last step's wait stood (null for a job's first step). Every
     * step first looks at what is already done, so the job can be retried
     * (or resumed by another process) at any point.
     */
    async provisionStep(
      workerId: string,
      actor: Actor,
      progress: ProgressReporter,
      previous: WaitProgress | null,
    ): Promise<ProvisionStep> {
      let worker = await load(workerId);
      if (worker.status === "TERMINATED" || worker.desiredStatus === "TERMINATED") {
        return { kind: "done", worker };
      }
      // A resumed wait knows its instance (the waits look at EC2 themselves); a first step checks it is still there.
      const resumingWait = previous !== null && previous.phase !== LAUNCH_PHASE && worker.instanceId !== null;
      if (!resumingWait && (await liveInstanceOf(worker)) === null) {
        // The token reserved by an earlier step is this launch's own: it goes now without asking again.
        if (previous?.phase !== LAUNCH_PHASE) {
          const waitMs = await pacer.reserve("run-instances", targetOf(worker));
          if (waitMs > 0) {
            await progress.report(0.02, "waiting for a RunInstances token");
            return {
              kind: "wait",
              delayMs: waitMs,
              progress: { phase: LAUNCH_PHASE, polls: 0, nextDelayMs: 0 },
            };
          }
        }
        await progress.report(0.05, "launching instance");
        worker = await launch(worker, actor);
      }
      if (worker.status !== "RUNNING" || worker.endpoint === null) {
        if (previous?.phase !== "boot") {
          await progress.report(0.25, "waiting for the instance to run");
        }
        const step = await stepUntilRunning(deps, worker, actor, previous);
        if (step.kind === "wait") {
          return step;
        }
        worker = step.worker;
      }
      if (worker.serviceStatus !== "AVAILABLE") {
        if (previous?.phase !== "cml") {
          await progress.report(0.5, "waiting for CML to be ready");
        }
        const step = await stepUntilCmlReady(deps, worker, actor, previous);
        if (step.kind === "wait") {
          return step;
        }
        worker = step.worker;
      }
      if (deps.licenseToken !== null && worker.license.status !== "REGISTERED") {
        await progress.report(0.8, "registering the license");
        try {
          worker = await registerWorkerLicense(deps, worker, deps.licenseToken, actor);
        } catch (error) {
          // A refused token leaves a working CML: the worker stays AVAILABLE, its
          // license INVALID with the reason (an event), and the operator can register
          // another token. Anything transient is retried with the job.
          if (isRetryable(error)) {
            throw error;
          }
          worker = await load(workerId);
        }
      }
      await progress.report(1, "available");
      return { kind: "done", worker };
    },

    /**
     * The whole provisioning in one call, waiting in place between steps
     * (deps.sleep): for callers that are not a job with a slot to give back.
     */
    async provision(workerId: string, actor: Actor, progress: ProgressReporter): Promise<Worker> {
      let previous: WaitProgress | null = null;
      for (;;) {
        const step = await service.provisionStep(workerId, actor, progress, previous);
        if (step.kind === "done") {
          return step.worker;
        }
        await deps.sleep(step.delayMs);
        previous = step.progress;
      }
    },

    /**
     * After the last attempt: the worker shows FAILED with the reason, and an
     * instance it leaves behind is terminated, so nothing runs unnoticed.
     */
    async failProvisioning(workerId: string, actor: Actor, reason: string): Promise<Worker> {
      const worker = await load(workerId);
      if (worker.status === "TERMINATED") {
        return worker;
      }
      let releaseNote = "no instance was left";
      let instanceReleased = false;
      const instance = await liveInstanceOf(worker).catch(() => null);
      if (instance !== null) {
        try {
          await deps.cloud.terminate(targetOf(worker), instance.instanceId);
          instanceReleased = true;
          releaseNote = `instance ${instance.instanceId} was terminated`;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          releaseNote = `instance ${instance.instanceId} could NOT be terminated (${message}); it may still run`;
        }
      } else if (worker.instanceId !== null) {
        instanceReleased = true;
      }
      deps.cml.forget(worker.id);
      return updateWorker(deps, workerId, (current, now) => {
        const failed = withStatus(current, "FAILED", actor, now, reason);
        return {
          worker: { ...failed.worker, serviceStatus: "UNAVAILABLE" },
          events: [
            ...failed.events,
            workerEvent(current, "worker.failed", `${current.name}: provisioning failed; ${releaseNote}`, {
              actor,
              reason,
              now,
              data: { phase: PROVISION_FAILED, instanceId: current.instanceId, instanceReleased },
            }),
          ],
        };
      });
    },
  };
  return service;
}

export type ProvisioningService = ReturnType<typeof createProvisioningService>;
