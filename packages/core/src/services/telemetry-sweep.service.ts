import { systemActor } from "../domain/actor";
import { cmlTrustOf, type Worker } from "../domain/worker";
import type {
  CloudInstance,
  CloudProvider,
  CloudTarget,
  CustomMetricDatum,
  InstanceMetrics,
  InstanceStatusCheck,
} from "../ports/cloud-provider.port";
import type { CmlClient } from "../ports/cml-client.port";
import type { TelemetrySample, WorkerRepository } from "../ports/worker-repository.port";
import { mapWithConcurrency, withDeadline } from "./concurrency";
import type { ImpairedRebootService } from "./impaired-reboot.service";
import { endpointOf, targetOf } from "./instance-readiness";
import { applyObservation, type CmlObservation, observeCml, storeObservedLabs } from "./worker-observation";
import { updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface TelemetrySweepConfig {
  readonly cmlApiPort: number;
  /** Most workers whose CML is being asked at once. */
  readonly cmlConcurrency: number;
  /** The most one worker's CML questions may take in a sweep; a slower worker counts as unreachable. */
  readonly perWorkerTimeoutMs: number;
  /** How far back CloudWatch is asked for the latest datapoint. */
  readonly metricWindowMs: number;
  readonly metricPeriodSeconds: number;
  /** Most worker records written at once. */
  readonly saveConcurrency: number;
  readonly customMetrics: { readonly enabled: boolean; readonly namespace: string };
  /** Telemetry samples older than this are deleted after each sweep (null keeps them all). */
  readonly retentionMs: number | null;
}

export interface TelemetrySweepDeps extends WorkerWriterDeps {
  readonly workers: WorkerRepository;
  readonly cloud: CloudProvider;
  readonly cml: CmlClient;
  readonly sweep: TelemetrySweepConfig;
  /** Decides reboots of impaired workers after each region's sweep (none: impaired checks are only reported). */
  readonly impairedReboots?: Pick<ImpairedRebootService, "decide"> | undefined;
}

export interface SweepSummary {
  readonly targets: number;
  readonly workers: number;
  /** Workers whose visible state moved (and were published). */
  readonly changed: number;
  /** Running workers whose CML did not answer in time. */
  readonly cmlUnreachable: number;
  /** Samples deleted by the retention rule in this sweep. */
  readonly pruned: number;
  readonly failedTargets: readonly { target: CloudTarget; error: string }[];
}

const actor = systemActor("telemetry");

function groupByTarget(workers: readonly Worker[]): Map<string, { target: CloudTarget; workers: Worker[] }> {
  const groups = new Map<string, { target: CloudTarget; workers: Worker[] }>();
  for (const worker of workers) {
    const key = `${worker.accountId}/${worker.region}`;
    const group = groups.get(key) ?? { target: targetOf(worker), workers: [] };
    group.workers.push(worker);
    groups.set(key, group);
  }
  return groups;
}

/** CML figures as CloudWatch custom metrics, one datum per worker and figure. */
function customMetricData(workers: readonly Worker[], at: Date): CustomMetricDatum[] {
  return workers.flatMap((worker) => {
    const telemetry = worker.telemetry;
    if (telemetry === null || !telemetry.cmlReachable) {
      return [];
    }
    const dimensions = { WorkerId: worker.id, WorkerName: worker.name };
    return [
      { name: "RunningNodes", dimensions, value: telemetry.runningNodes ?? 0, unit: "Count" as const, at },
      { name: "StartedLabs", dimensions, value: telemetry.startedLabs ?? 0, unit: "Count" as const, at },
      {
        name: "LicenseRegistered",
        dimensions,
        value: worker.license.status === "REGISTERED" ? 1 : 0,
        unit: "None" as const,
        at,
      },
    ];
  });
}

/**
 * One sweep over the fleet: per account and region a constant number of
 * batched AWS calls (describe by fleet tag, status checks, GetMetricData),
 * then every running worker's CML with bounded concurrency and a deadline
 * each. Workers are saved every sweep (fresh telemetry feeds the idle
 * policy) but published only when something visible moved.
 */
export function createTelemetrySweepService(deps: TelemetrySweepDeps) {
  const config = deps.sweep;

  async function sweepTarget(target: CloudTarget, workers: readonly Worker[]) {
    const now = deps.clock.now();
    const instances = await deps.cloud.describeFleet(target);
    const byInstance = new Map<string, CloudInstance>(
      instances.map((instance) => [instance.instanceId, instance]),
    );
    const known = workers.filter((worker) => worker.instanceId !== null && byInstance.has(worker.instanceId));
    const ids = known.map((worker) => worker.instanceId ?? "");
    const runningIds = ids.filter((id) => byInstance.get(id)?.state === "running");
    const [checks, metrics] = await Promise.all([
      ids.length === 0 ? Promise.resolve<InstanceStatusCheck[]>([]) : deps.cloud.statusChecks(target, ids),
      runningIds.length === 0
        ? Promise.resolve(new Map<string, InstanceMetrics>())
        : deps.cloud.metrics(target, runningIds, {
            start: new Date(now.getTime() - config.metricWindowMs),
            end: now,
            periodSeconds: config.metricPeriodSeconds,
          }),
    ]);
    const checkById = new Map(checks.map((check) => [check.instanceId, check]));

    const cmlResults = await mapWithConcurrency(known, config.cmlConcurrency, async (worker) => {
      const instance = byInstance.get(worker.instanceId ?? "");
      const endpoint = endpointOf(worker);
      if (instance?.state !== "running" || endpoint === null) {
        return null;
      }
      return withDeadline(
        observeCml(deps.cml, endpoint, worker.idle.lastActivityAt),
        config.perWorkerTimeoutMs,
        `CML on ${worker.name}`,
      );
    });

    const observed = known.map((worker, index) => {
      const result = cmlResults[index];
      // An unconfirmed worker's CML was not asked (endpointOf): nothing is known of it, and nothing is claimed.
      const cml: CmlObservation | null = !cmlTrustOf(worker).confirmed
        ? null
        : result === undefined || !result.ok
          ? { reachable: false, error: result?.ok === false ? String(result.error) : "not asked" }
          : result.value;
      const instanceId = worker.instanceId ?? "";
      return {
        worker,
        observation: {
          instance: byInstance.get(instanceId) ?? null,
          statusCheck: checkById.get(instanceId) ?? null,
          metrics: metrics.get(instanceId) ?? null,
          cml,
          at: now,
        },
      };
    });

    // Labs first (they are outside the worker's versioned save): the worker saved next is read back with them.
    const labResults = await mapWithConcurrency(observed, config.saveConcurrency, ({ worker, observation }) =>
      storeObservedLabs(deps.workers, worker, observation),
    );
    const labsMoved = new Set(
      observed.flatMap(({ worker }, index) => {
        const result = labResults[index];
        if (result !== undefined && !result.ok) {
          deps.logger.warn({ err: result.error, workerId: worker.id }, "could not save a worker's labs");
        }
        return result?.ok === true && result.value ? [worker.id] : [];
      }),
    );
    // A set, not a counter: a change recomputed after a write conflict must count once.
    const moved = new Set<string>();
    const saves = await mapWithConcurrency(observed, config.saveConcurrency, ({ worker, observation }) =>
      updateWorker(deps, worker.id, (current, at) => {
        if (current.status === "TERMINATED" || current.status === "FAILED") {
          return null;
        }
        const applied = applyObservation(current, observation, config.cmlApiPort, actor, at);
        // Stored labs are already on `current`, so applyObservation cannot see that they moved.
        if (applied.moved || labsMoved.has(current.id)) {
          moved.add(current.id);
        } else {
          moved.delete(current.id);
        }
        return { worker: applied.worker, events: applied.events, notify: moved.has(current.id) };
      }),
    );
    const saved: Worker[] = [];
    for (const [index, result] of saves.entries()) {
      if (result.ok) {
        saved.push(result.value);
      } else {
        deps.logger.warn(
          { err: result.error, workerId: observed[index]?.worker.id },
          "could not save a sweep result",
        );
      }
    }
    const samples: TelemetrySample[] = saved.flatMap((worker) =>
      worker.telemetry === null || worker.telemetry.sampledAt.getTime() !== now.getTime()
        ? []
        : [{ ...worker.telemetry, workerId: worker.id }],
    );
    await deps.workers.saveTelemetry(samples);
    if (deps.impairedReboots !== undefined) {
      // Decided on the saved workers: their impairment episodes now count this sweep.
      await deps.impairedReboots.decide(saved);
    }

    if (config.customMetrics.enabled) {
      const data = customMetricData(saved, now);
      if (data.length > 0) {
        await deps.cloud.publishMetrics(target, config.customMetrics.namespace, data);
      }
    }
    const unreachable = observed.filter(
      (entry) =>
        entry.observation.instance?.state === "running" && entry.observation.cml?.reachable === false,
    ).length;
    return { workers: known.length, changed: moved.size, unreachable };
  }

  return {
    async sweep(): Promise<SweepSummary> {
      const active = (await deps.workers.listActive()).filter(
        (worker) => worker.instanceId !== null && worker.status !== "FAILED",
      );
      const groups = [...groupByTarget(active).values()];
      let workers = 0;
      let changed = 0;
      let cmlUnreachable = 0;
      const failedTargets: { target: CloudTarget; error: string }[] = [];
      // Targets are independent: one region's outage must not hide the others' telemetry.
      const results = await Promise.allSettled(
        groups.map((group) => sweepTarget(group.target, group.workers)),
      );
      for (const [index, result] of results.entries()) {
        const group = groups[index];
        if (group === undefined) {
          continue;
        }
        if (result.status === "fulfilled") {
          workers += result.value.workers;
          changed += result.value.changed;
          cmlUnreachable += result.value.unreachable;
        } else {
          const error = result.reason instanceof Error ? result.reason.message : String(result.reason);
          failedTargets.push({ target: group.target, error });
          deps.logger.warn({ err: result.reason, ...group.target }, "telemetry sweep of a region failed");
        }
      }
      // One indexed DELETE a sweep keeps the time series bounded without a job of its own.
      const pruned =
        config.retentionMs === null
          ? 0
          : await deps.workers.pruneTelemetry(new Date(deps.clock.now().getTime() - config.retentionMs));
      return { targets: groups.length, workers, changed, cmlUnreachable, pruned, failedTargets };
    },
  };
}

export type TelemetrySweepService = ReturnType<typeof createTelemetrySweepService>;
