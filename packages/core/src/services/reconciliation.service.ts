import { type Actor, describeActor, systemActor } from "../domain/actor";
import type { NewFleetEvent } from "../domain/fleet-event";
import {
  DEFAULT_WORKER_IDLE_POLICY,
  FIRST_USE_TRUST,
  NO_IDLE_TRACKING,
  UNKNOWN_LICENSE,
  type Worker,
} from "../domain/worker";
import { workerEvent } from "../domain/worker-changes-common";
import { workerStatusFromEc2 } from "../domain/worker-status";
import { ConflictError } from "../errors";
import type { CloudInstance, CloudProvider, CloudTarget } from "../ports/cloud-provider.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import { FLEET_TAGS } from "./fleet-tags";
import { endpointUrl, targetOf, withInstance } from "./instance-readiness";
import { claimedByTag, orphanMessage } from "./orphan-claims";
import { realSleep, type Sleep } from "./poll";
import { reconcileWorkerTags, type TagReconciliationDeps } from "./tag-reconciliation";
import { withStatus } from "./worker-events";
import { publishSaved, updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface ReconciliationConfig {
  /** Every account and region the fleet may have instances in (from settings). */
  readonly targets: readonly CloudTarget[];
  /** Import unknown tagged instances (else they are only reported). */
  readonly autoImport: boolean;
  readonly cmlApiPort: number;
  /** Tries per account and region within one reconciliation, and the first backoff (it doubles); default 3 and 1 s. */
  readonly targetRetry?: { readonly attempts: number; readonly backoffMs: number } | undefined;
}

export interface ReconciliationDeps extends WorkerWriterDeps, TagReconciliationDeps {
  readonly workers: WorkerRepository;
  readonly cloud: CloudProvider;
  readonly reconciliation: ReconciliationConfig;
  readonly newId: () => string;
  /** Waits between a failed target's tries (real time when unset). */
  readonly sleep?: Sleep | undefined;
}

/** An account and region left unreconciled this time: its tries all failed (the others were reconciled). */
export interface FailedTarget extends CloudTarget {
  readonly attempts: number;
  readonly error: string;
}

export interface ReconcileSummary {
  readonly orphans: readonly { target: CloudTarget; instanceId: string }[];
  readonly imported: readonly string[];
  readonly terminated: readonly string[];
  readonly corrected: readonly string[];
  readonly failedTargets: readonly FailedTarget[];
}

type TargetSummary = Omit<ReconcileSummary, "failedTargets">;

const DEFAULT_TARGET_RETRY = { attempts: 3, backoffMs: 1_000 } as const;

const reconciler = systemActor("reconciliation");

/** Statuses a job is moving the worker through: the job, not reconciliation, decides them. */
const IN_FLIGHT = new Set(["PENDING", "STOPPING", "SHUTTING_DOWN"]);

function targetKey(target: CloudTarget): string {
  return `${target.accountId}/${target.region}`;
}

/**
 * Keeps the database honest about EC2: workers whose instance vanished or was
 * terminated outside the fleet become TERMINATED, a status EC2 contradicts is
 * corrected from EC2, and tagged instances nobody knows are reported (and
 * imported when the settings say so).
 */
export function createReconciliationService(deps: ReconciliationDeps) {
  /** Orphans already reported by this process, so a repeating job does not repeat itself. */
  const reported = new Set<string>();
  /** Targets whose failure this process has recorded as an event: one event per outage, not per run. */
  const failing = new Set<string>();

  /**
   * `confirmed`: an ADMIN asked for it (importWorkers). An instance that
   * reconciliation adopts on its own only carries a tag anyone with EC2 rights
   * can set, so it stays unconfirmed (its CML is not contacted) until an ADMIN
   * confirms it.
   */
  function importedWorker(
    instance: CloudInstance,
    target: CloudTarget,
    actor: Actor,
    now: Date,
    confirmed: boolean,
  ): Worker {
    const name = instance.tags.Name ?? instance.instanceId;
    const running = instance.state === "running";
    return {
      id: deps.newId(),
      name,
      accountId: target.accountId,
      region: target.region,
      instanceType: instance.instanceType,
      amiId: instance.imageId,
      amiName: null,
      cmlVersion: null,
      instanceId: instance.instanceId,
      publicIp: instance.publicIp,
      privateIp: instance.privateIp,
      endpoint: running ? endpointUrl(instance, deps.reconciliation.cmlApiPort) : null,
      status: workerStatusFromEc2(instance.state),
      desiredStatus: instance.state === "stopped" || instance.state === "stopping" ? "STOPPED" : "RUNNING",
      serviceStatus: "UNKNOWN",
      statusReason: null,
      statusChangedAt: now,
      license: UNKNOWN_LICENSE,
      telemetry: null,
      labs: [],
      idle: { ...NO_IDLE_TRACKING, lastStartedAt: running ? (instance.launchTime ?? now) : null },
      idlePolicy: DEFAULT_WORKER_IDLE_POLICY,
      tags: Object.fromEntries(
        Object.entries(instance.tags).filter(([key]) => !key.startsWith("cml-fleet:")),
      ),
      createdBy: instance.tags[FLEET_TAGS.createdBy] ?? describeActor(actor),
      cmlTrust: { ...FIRST_USE_TRUST, confirmed },
      idempotencyKey: null,
      createdAt: now,
      updatedAt: now,
      version: 0,
    };
  }

  /**
   * Saves an imported worker; null when another import or reconciliation
   * adopted the instance first (the live-instance unique index refused this
   * one): the instance keeps the one worker it has, and nothing fails.
   */
  async function insertImported(worker: Worker, events: readonly NewFleetEvent[]) {
    try {
      return await deps.workers.insert(worker, events);
    } catch (error) {
      if (error instanceof ConflictError && worker.instanceId !== null) {
        const owners = await deps.workers.findByInstanceIds([worker.instanceId]);
        if (owners.some((owner) => owner.status !== "TERMINATED")) {
          return null;
        }
      }
      throw error;
    }
  }

  async function importInstances(
    target: CloudTarget,
    instances: readonly CloudInstance[],
    actor: Actor,
    confirmed: boolean,
  ): Promise<Worker[]> {
    const known = new Set(
      (await deps.workers.findByInstanceIds(instances.map((instance) => instance.instanceId))).map(
        (worker) => worker.instanceId,
      ),
    );
    // An instance tagged as a live worker's is that worker's, not a new one (see orphan-claims.ts).
    const claimed = await claimedByTag(deps.workers, instances);
    const imported: Worker[] = [];
    for (const instance of instances) {
      if (
        known.has(instance.instanceId) ||
        claimed.has(instance.instanceId) ||
        instance.state === "terminated" ||
        instance.state === "shutting-down"
      ) {
        continue;
      }
      const now = deps.clock.now();
      const worker = importedWorker(instance, target, actor, now, confirmed);
      const saved = await insertImported(worker, [
        workerEvent(
          worker,
          "worker.imported",
          `${worker.name}: imported ${instance.instanceId}${confirmed ? "" : "; its CML is not contacted until an ADMIN confirms it (confirmWorker)"}`,
          {
            actor,
            reason: null,
            now,
            data: {
              instanceId: instance.instanceId,
              region: target.region,
              state: instance.state,
              confirmed,
            },
          },
        ),
      ]);
      if (saved === null) {
        continue;
      }
      await publishSaved(deps, saved.worker, saved.events);
      // Tag it as the fleet's, so discovery (and the next reconciliation) finds it by tag.
      await deps.cloud.setTags(target, [instance.instanceId], {
        [FLEET_TAGS.managed]: "true",
        [FLEET_TAGS.workerId]: saved.worker.id,
      });
      imported.push(saved.worker);
    }
    return imported;
  }

  async function reconcileWorker(
    worker: Worker,
    instance: CloudInstance | null,
  ): Promise<"terminated" | "corrected" | null> {
    if (instance === null || instance.state === "terminated") {
      if (worker.status === "TERMINATED") {
        return null;
      }
      const why =
        instance === null
          ? `instance ${worker.instanceId} no longer exists`
          : `instance ${worker.instanceId} was terminated`;
      await updateWorker(deps, worker.id, (current, now) => {
        if (current.status === "TERMINATED") {
          return null;
        }
        const stateReason = instance?.stateReason == null ? "" : ` (${instance.stateReason})`;
        const next = withStatus(
          current,
          "TERMINATED",
          reconciler,
          now,
          `${why} outside the fleet${stateReason}`,
        );
        const events: NewFleetEvent[] = [...next.events];
        if (current.license.status === "REGISTERED" || current.license.status === "REGISTERING") {
          // Nobody deregistered it: the seat stays taken on the Smart Account until someone releases it there.
          events.push(
            workerEvent(
              current,
              "worker.license_changed",
              `${current.name}: its license may stay registered on the Smart Account; release it there`,
              {
                actor: reconciler,
                reason: `${why} outside the fleet`,
                now,
                data: { licenseLeftRegistered: true },
              },
            ),
          );
        }
        return {
          worker: {
            ...next.worker,
            desiredStatus: "TERMINATED",
            serviceStatus: "UNAVAILABLE",
            endpoint: null,
          },
          events,
        };
      });
      return "terminated";
    }
    const ec2Status = workerStatusFromEc2(instance.state);
    if (ec2Status === worker.status || worker.status === "FAILED" || IN_FLIGHT.has(worker.status)) {
      return null;
    }
    await updateWorker(deps, worker.id, (current, now) => {
      if (workerStatusFromEc2(instance.state) === current.status) {
        return null;
      }
      const applied = withInstance(current, instance, deps.reconciliation.cmlApiPort, reconciler, now);
      return {
        worker: { ...applied.worker, statusReason: `corrected from EC2 (${instance.state})` },
        events: applied.events,
      };
    });
    return "corrected";
  }

  /** One account and region: its workers against what EC2 says, and the tagged instances nobody knows. */
  async function reconcileTarget(target: CloudTarget, active: readonly Worker[]): Promise<TargetSummary> {
    const orphans: { target: CloudTarget; instanceId: string }[] = [];
    const imported: string[] = [];
    const terminated: string[] = [];
    const corrected: string[] = [];
    // Tags EC2 shows are compared with applies made before this instant only.
    const observedAt = deps.clock.now();
    const fleet = await deps.cloud.describeFleet(target);
    const byId = new Map(fleet.map((instance) => [instance.instanceId, instance]));
    const mine = active.filter((worker) => targetKey(targetOf(worker)) === targetKey(target));
    // An instance can lose its fleet tag; look those up by id before calling them gone.
    const missing = mine.flatMap((worker) =>
      worker.instanceId !== null && !byId.has(worker.instanceId) ? [worker.instanceId] : [],
    );
    if (missing.length > 0) {
      for (const instance of await deps.cloud.describeMany(target, missing)) {
        byId.set(instance.instanceId, instance);
      }
    }
    for (const worker of mine) {
      const outcome = await reconcileWorker(worker, byId.get(worker.instanceId ?? "") ?? null);
      if (outcome === "terminated") {
        terminated.push(worker.id);
      } else if (outcome === "corrected") {
        corrected.push(worker.id);
      }
      await reconcileWorkerTags(deps, worker, byId.get(worker.instanceId ?? "") ?? null, observedAt);
    }
    const knownIds = new Set(
      (await deps.workers.findByInstanceIds(fleet.map((instance) => instance.instanceId))).map(
        (worker) => worker.instanceId,
      ),
    );
    const unknown = fleet.filter(
      (instance) =>
        !knownIds.has(instance.instanceId) &&
        instance.state !== "terminated" &&
        instance.state !== "shutting-down",
    );
    const claimed = await claimedByTag(deps.workers, unknown);
    for (const instance of unknown) {
      orphans.push({ target, instanceId: instance.instanceId });
      if (!reported.has(instance.instanceId)) {
        reported.add(instance.instanceId);
        const [event] = await deps.workers.appendEvents([
          {
            type: "fleet.orphan_detected",
            workerId: null,
            at: deps.clock.now(),
            message: orphanMessage(instance, target, claimed.get(instance.instanceId)),
            reason: null,
            actor: reconciler,
            data: {
              instanceId: instance.instanceId,
              ...target,
              state: instance.state,
              tags: instance.tags,
            },
          },
        ]);
        if (event !== undefined) {
          await deps.publisher.fleetEvent(event).catch((error: unknown) => {
            deps.logger.warn({ err: error }, "could not publish an orphan report");
          });
        }
      }
    }
    if (deps.reconciliation.autoImport && unknown.length > 0) {
      imported.push(
        ...(await importInstances(target, unknown, reconciler, false)).map((worker) => worker.id),
      );
    }
    return { orphans, imported, terminated, corrected };
  }

  /**
   * Runs one target's reconciliation, again after a failure (bounded, with a
   * doubling backoff); each run re-reads EC2 and every write re-checks the
   * stored worker, so a run cut short is safe to repeat. A target that still
   * fails is logged each time and recorded as an event once per outage.
   */
  async function withTargetRetries(
    target: CloudTarget,
    run: () => Promise<TargetSummary>,
  ): Promise<TargetSummary | { failed: FailedTarget }> {
    const retry = deps.reconciliation.targetRetry ?? DEFAULT_TARGET_RETRY;
    const attempts = Math.max(1, retry.attempts);
    const sleep = deps.sleep ?? realSleep;
    let error = "";
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        const summary = await run();
        failing.delete(targetKey(target));
        return summary;
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause);
        deps.logger.warn(
          { err: cause, ...target, attempt, attempts },
          "reconciliation of an account and region failed",
        );
        if (attempt < attempts) {
          await sleep(retry.backoffMs * 2 ** (attempt - 1));
        }
      }
    }
    const failed: FailedTarget = { ...target, attempts, error };
    if (!failing.has(targetKey(target))) {
      failing.add(targetKey(target));
      await recordTargetFailure(failed).catch((cause: unknown) => {
        deps.logger.warn({ err: cause, ...target }, "could not record a reconciliation failure");
      });
    }
    return { failed };
  }

  async function recordTargetFailure(failed: FailedTarget): Promise<void> {
    const [event] = await deps.workers.appendEvents([
      {
        type: "fleet.reconciliation_failed",
        workerId: null,
        at: deps.clock.now(),
        message: `reconciliation of account ${failed.accountId} in ${failed.region} failed ${failed.attempts} times; the other accounts and regions were reconciled`,
        reason: failed.error,
        actor: reconciler,
        data: { ...failed },
      },
    ]);
    if (event !== undefined) {
      await deps.publisher.fleetEvent(event);
    }
  }

  return {
    async reconcile(): Promise<ReconcileSummary> {
      const active = (await deps.workers.listActive()).filter((worker) => worker.instanceId !== null);
      const targets = new Map<string, CloudTarget>(
        deps.reconciliation.targets.map((target) => [targetKey(target), target]),
      );
      for (const worker of active) {
        targets.set(targetKey(targetOf(worker)), targetOf(worker));
      }
      const orphans: { target: CloudTarget; instanceId: string }[] = [];
      const imported: string[] = [];
      const terminated: string[] = [];
      const corrected: string[] = [];
      const failedTargets: FailedTarget[] = [];
      // Each account and region on its own: one that fails (after its retries) is recorded, the others go on.
      for (const target of targets.values()) {
        const outcome = await withTargetRetries(target, () => reconcileTarget(target, active));
        if ("failed" in outcome) {
          failedTargets.push(outcome.failed);
          continue;
        }
        orphans.push(...outcome.orphans);
        imported.push(...outcome.imported);
        terminated.push(...outcome.terminated);
        corrected.push(...outcome.corrected);
      }
      return { orphans, imported, terminated, corrected, failedTargets };
    },

    /** Imports given instances (or every tagged one of the target) the fleet does not know; returns their workers. */
    async importWorkers(
      target: CloudTarget,
      instanceIds: readonly string[] | null,
      actor: Actor,
    ): Promise<Worker[]> {
      const instances =
        instanceIds === null
          ? await deps.cloud.describeFleet(target)
          : await deps.cloud.describeMany(target, instanceIds);
      await importInstances(target, instances, actor, true);
      // Instances the fleet already knew are part of the answer too: they are its workers now either way.
      return deps.workers.findByInstanceIds(instances.map((instance) => instance.instanceId));
    },
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;
