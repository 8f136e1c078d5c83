import { systemActor } from "../domain/actor";
import { cmlTrustOf, type Worker } from "../domain/worker";
import type { CloudTarget } from "../ports/cloud-provider.port";
import type { TelemetrySample } from "../ports/worker-repository.port";
import { mapWithConcurrency, withDeadline } from "./concurrency";
import { endpointOf } from "./instance-readiness";
import { DEFAULT_LICENSE_READ_INTERVAL_MS, licenseReadPlan } from "./license-read-cadence";
import type { WorkerCloudLook } from "./telemetry-region-observation";
import type { TelemetrySweepDeps } from "./telemetry-sweep-deps";
import { updateWorkers } from "./worker-batch-writer";
import { applyObservation, type CmlObservation, labsToStore, observeCml } from "./worker-observation";

const actor = systemActor("telemetry");

/** What sweeping one shard did. */
export interface ShardOutcome {
  readonly workers: number;
  readonly changed: number;
  readonly unreachable: number;
  readonly superseded: number;
}

/**
 * Sweeps one shard of a region from the region's AWS reading (`looks`, taken
 * at `at`): every running worker's CML with bounded concurrency and a
 * deadline each, then the workers' saves with their labs and events (one
 * batch, see updateWorkers), the samples (one batch), impaired reboots and
 * custom metrics, all for the shard's workers only.
 * Workers are saved every sweep (fresh telemetry feeds the idle policy) but
 * published only when something visible moved. A worker saved since `at` (a
 * later sweep's shard, or a refresh) is left alone: this reading is older.
 */
export async function sweepShard(
  deps: TelemetrySweepDeps,
  target: CloudTarget,
  workers: readonly Worker[],
  looks: ReadonlyMap<string, WorkerCloudLook>,
  at: Date,
): Promise<ShardOutcome> {
  const config = deps.sweep;
  const known = workers.filter((worker) => looks.has(worker.id));
  const lookSlots = deps.lookSlots;
  const licenseReadInterval = config.licenseReadIntervalMs ?? DEFAULT_LICENSE_READ_INTERVAL_MS;
  // With the process's look slots, every look of the shard waits for one of them (first come, first served),
  // so the shards a process sweeps at once share its slots: one shard's last looks never leave slots idle.
  const lanes = lookSlots === undefined ? config.cmlConcurrency : known.length;
  const cmlResults = await mapWithConcurrency(known, lanes, async (worker) => {
    const instance = looks.get(worker.id)?.instance;
    const endpoint = endpointOf(worker);
    if (instance?.state !== "running" || endpoint === null) {
      return null;
    }
    const release = await lookSlots?.acquire();
    try {
      // The deadline runs from the slot, not from the queue, and is given to the look as well: past it, its CML
      // requests are abandoned and free their slots.
      return await withDeadline(
        observeCml(
          deps.cml,
          endpoint,
          worker.idle.lastActivityAt,
          config.perWorkerTimeoutMs,
          licenseReadPlan(worker, at, licenseReadInterval),
        ),
        config.perWorkerTimeoutMs,
        `CML on ${worker.name}`,
      );
    } finally {
      release?.();
    }
  });

  const observed = known.map((worker, index) => {
    const result = cmlResults[index];
    // An unconfirmed worker's CML was not asked (endpointOf): nothing is known of it, and nothing is claimed.
    const cml: CmlObservation | null = !cmlTrustOf(worker).confirmed
      ? null
      : result === undefined || !result.ok
        ? { reachable: false, error: result?.ok === false ? String(result.error) : "not asked" }
        : result.value;
    const look = looks.get(worker.id);
    return {
      worker,
      observation: {
        instance: look?.instance ?? null,
        statusCheck: look?.statusCheck ?? null,
        metrics: look?.metrics ?? null,
        cml,
        at,
      },
    };
  });

  // One batched write for the shard (updateWorkers): a worker saved meanwhile by someone else is read again and
  // this observation re-applied to it, in a round of its own. Sets, not counters: a recomputed change counts once.
  const observationOf = new Map(observed.map(({ worker, observation }) => [worker.id, observation]));
  const moved = new Set<string>();
  const superseded = new Set<string>();
  const outcomes = await updateWorkers(
    deps,
    observed.map(({ worker }) => worker),
    (current, savedAt) => {
      const observation = observationOf.get(current.id);
      if (observation === undefined || current.status === "TERMINATED" || current.status === "FAILED") {
        return null;
      }
      // A shard job that waited behind a later sweep's run of the same shard must not roll its telemetry back.
      if (current.telemetry !== null && current.telemetry.sampledAt.getTime() > at.getTime()) {
        superseded.add(current.id);
        return null;
      }
      superseded.delete(current.id);
      const applied = applyObservation(current, observation, config.cmlApiPort, actor, savedAt);
      // Labs are written with the worker, so a lab list that moved is among what applyObservation compares.
      if (applied.moved) {
        moved.add(current.id);
      } else {
        moved.delete(current.id);
      }
      return {
        worker: applied.worker,
        events: applied.events,
        notify: applied.moved,
        labs: labsToStore(current, observation) ?? undefined,
      };
    },
  );
  const saved: Worker[] = [];
  for (const { worker } of observed) {
    const outcome = outcomes.get(worker.id);
    if (outcome?.ok === true) {
      saved.push(outcome.worker);
    } else if (outcome !== undefined) {
      deps.logger.warn({ err: outcome.error, workerId: worker.id }, "could not save a sweep result");
    }
  }
  const fresh = saved.filter((worker) => worker.telemetry?.sampledAt.getTime() === at.getTime());
  const samples: TelemetrySample[] = fresh.flatMap((worker) =>
    worker.telemetry === null ? [] : [{ ...worker.telemetry, workerId: worker.id }],
  );
  await deps.workers.saveTelemetry(samples);
  if (deps.impairedReboots !== undefined) {
    // Decided on the saved workers: their impairment episodes now count this sweep.
    await deps.impairedReboots.decide(fresh);
  }
  // Per-worker series only when asked for (CML_CUSTOM_METRICS_PER_WORKER); the fleet totals follow the whole sweep.
  await deps.customMetrics?.publishWorkers(target, fresh, at).catch((error: unknown) => {
    deps.logger.warn({ err: error, ...target }, "could not publish the workers' custom metrics");
  });
  const unreachable = observed.filter(
    (entry) => entry.observation.instance?.state === "running" && entry.observation.cml?.reachable === false,
  ).length;
  return { workers: known.length, changed: moved.size, unreachable, superseded: superseded.size };
}
