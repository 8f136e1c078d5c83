import type {
  CloudLook,
  RegionSweepResult,
  ShardSweepResult,
  TelemetryRegionPayload,
  TelemetryShardPayload,
} from "../domain/telemetry-sweep-run";
import type { Worker } from "../domain/worker";
import type { WorkerStatus } from "../domain/worker-status";
import type { CloudTarget } from "../ports/cloud-provider.port";
import {
  decodeCloudLook,
  encodeCloudLook,
  observeRegion,
  type WorkerCloudLook,
} from "./telemetry-region-observation";
import { sweepShard } from "./telemetry-shard-sweep";
import { cutShards } from "./telemetry-shards";
import { DEFAULT_SWEEP_SHARD_SIZE, type SweepSummary, type TelemetrySweepDeps } from "./telemetry-sweep-deps";

export type { SweepSummary, TelemetrySweepConfig, TelemetrySweepDeps } from "./telemetry-sweep-deps";

/** The statuses a sweep leaves alone: a failed worker is for a person to look at, a terminated one is history. */
const NOT_SWEPT: readonly WorkerStatus[] = ["FAILED", "TERMINATED"];

/** Workers a sweep looks at: with an instance, in none of NOT_SWEPT. */
function isSwept(worker: Worker): boolean {
  return worker.instanceId !== null && !NOT_SWEPT.includes(worker.status);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The fleet's summary from its regions' results: the fan-out job's answer
 * once every region (and so every shard) has finished, and the in-process
 * sweep's.
 */
export function summarizeSweep(
  regions: readonly RegionSweepResult[],
  failedTargets: readonly { target: CloudTarget; error: string }[],
  pruned: number,
): SweepSummary {
  const total = (pick: (region: RegionSweepResult) => number) =>
    regions.reduce((sum, region) => sum + pick(region), 0);
  return {
    targets: regions.length + failedTargets.length,
    workers: total((region) => region.workers),
    changed: total((region) => region.changed),
    cmlUnreachable: total((region) => region.cmlUnreachable),
    pruned,
    failedTargets,
    shards: total((region) => region.shards),
    skippedShards: total((region) => region.skippedShards),
  };
}

/**
 * The telemetry sweep, cut so that any number of job processes can share it:
 * per account and region one reading of AWS (a constant number of batched
 * calls, whatever the number of shards), then per shard of at most
 * CML_SWEEP_SHARD_SIZE workers the CML questions and the saves (see
 * sweepShard). The job process runs each step as its own job; `sweep` runs
 * them all in this process (one shard at a time, so memory is bounded by a
 * shard beyond the regions' short lists of instances). Workers are listed
 * per account and region by the repository, never as the whole fleet, and
 * read whole only a shard at a time.
 */
export function createTelemetrySweepService(deps: TelemetrySweepDeps) {
  const config = deps.sweep;
  const shardSize = config.shardSize ?? DEFAULT_SWEEP_SHARD_SIZE;
  const window = { metricWindowMs: config.metricWindowMs, metricPeriodSeconds: config.metricPeriodSeconds };

  /** One indexed DELETE a sweep keeps the time series bounded without a job of its own. */
  const prune = async (): Promise<number> =>
    config.retentionMs === null
      ? 0
      : deps.workers.pruneTelemetry(new Date(deps.clock.now().getTime() - config.retentionMs));

  // Chosen by the repository (an indexed WHERE): a region step holds its region's workers, not the fleet's.
  const sweptIn = (target: CloudTarget) => deps.workers.listWithInstanceIn(target, NOT_SWEPT);

  /** The fleet's custom metrics, once every shard has saved its workers (a failure only logged). */
  const publishFleetTotals = async (): Promise<void> => {
    await deps.customMetrics?.publishFleetTotals().catch((error: unknown) => {
      deps.logger.warn({ err: error }, "could not publish the fleet's custom metrics");
    });
  };

  async function sweepOneShard(
    target: CloudTarget,
    shard: { count: number; index: number },
    workers: readonly Worker[],
    looks: ReadonlyMap<string, WorkerCloudLook>,
    at: Date,
  ): Promise<ShardSweepResult> {
    const startedAt = deps.clock.now();
    const outcome = await sweepShard(deps, target, workers, looks, at);
    const finishedAt = deps.clock.now();
    const result: ShardSweepResult = {
      ...target,
      shardCount: shard.count,
      shardIndex: shard.index,
      workers: outcome.workers,
      changed: outcome.changed,
      cmlUnreachable: outcome.unreachable,
      superseded: outcome.superseded,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
    };
    deps.onShardSwept?.(result, (finishedAt.getTime() - startedAt.getTime()) / 1000);
    return result;
  }

  return {
    /** The accounts and regions that have workers to sweep: one region step each. */
    async targets(): Promise<CloudTarget[]> {
      return deps.workers.targetsWithInstances(NOT_SWEPT);
    },

    /** Deletes the samples past the retention (CML_TELEMETRY_RETENTION): once per sweep. */
    prune,

    /** Publishes the fleet's custom metric totals (when on): once per sweep, after its shards. */
    publishFleetTotals,

    /**
     * A region step: reads the region from AWS once and cuts its workers into
     * shards, each carrying its workers' slice of the reading.
     */
    async planRegion(region: TelemetryRegionPayload): Promise<TelemetryShardPayload[]> {
      const target = { accountId: region.accountId, region: region.region };
      const workers = await sweptIn(target);
      const observation = await observeRegion(deps.cloud, target, workers, window, deps.clock.now());
      return cutShards([...observation.looks.keys()], shardSize).map((shard) => ({
        ...region,
        shardCount: shard.count,
        shardIndex: shard.index,
        observedAt: observation.at.toISOString(),
        looks: shard.workerIds.flatMap((workerId): CloudLook[] => {
          const look = observation.looks.get(workerId);
          return look === undefined ? [] : [encodeCloudLook(workerId, look)];
        }),
      }));
    },

    /** A shard step: its workers (read now), their CML, their saves. */
    async sweepShard(shard: TelemetryShardPayload): Promise<ShardSweepResult> {
      const target = { accountId: shard.accountId, region: shard.region };
      const looks = new Map(shard.looks.map((look) => [look.workerId, decodeCloudLook(look)]));
      const workers = (await deps.workers.findByIds([...looks.keys()])).filter(isSwept);
      return sweepOneShard(
        target,
        { count: shard.shardCount, index: shard.shardIndex },
        workers,
        looks,
        new Date(shard.observedAt),
      );
    },

    /** The whole fleet in this process: every region at once, its shards one after another. */
    async sweep(): Promise<SweepSummary> {
      const targets = await deps.workers.targetsWithInstances(NOT_SWEPT);
      // Targets are independent: one region's outage must not hide the others' telemetry.
      const results = await Promise.allSettled(
        targets.map(async (target): Promise<RegionSweepResult> => {
          const workers = await sweptIn(target);
          const observation = await observeRegion(deps.cloud, target, workers, window, deps.clock.now());
          const shards: ShardSweepResult[] = [];
          for (const shard of cutShards([...observation.looks.keys()], shardSize)) {
            // Read per shard, as a shard job reads them: whole workers are held a shard at a time.
            const members = (await deps.workers.findByIds(shard.workerIds)).filter(isSwept);
            shards.push(await sweepOneShard(target, shard, members, observation.looks, observation.at));
          }
          return regionResult(target, shards, 0, []);
        }),
      );
      const regions: RegionSweepResult[] = [];
      const failedTargets: { target: CloudTarget; error: string }[] = [];
      for (const [index, result] of results.entries()) {
        const target = targets[index];
        if (result.status === "fulfilled") {
          regions.push(result.value);
        } else if (target !== undefined) {
          failedTargets.push({ target, error: messageOf(result.reason) });
          deps.logger.warn({ err: result.reason, ...target }, "telemetry sweep of a region failed");
        }
      }
      await publishFleetTotals();
      return summarizeSweep(regions, failedTargets, await prune());
    },
  };
}

/** A region's result from its shards' results. */
export function regionResult(
  target: CloudTarget,
  shards: readonly ShardSweepResult[],
  skippedShards: number,
  failedShards: readonly string[],
): RegionSweepResult {
  const total = (pick: (shard: ShardSweepResult) => number) =>
    shards.reduce((sum, shard) => sum + pick(shard), 0);
  return {
    ...target,
    workers: total((shard) => shard.workers),
    changed: total((shard) => shard.changed),
    cmlUnreachable: total((shard) => shard.cmlUnreachable),
    shards: shards.length,
    skippedShards,
    failedShards,
  };
}

export type TelemetrySweepService = ReturnType<typeof createTelemetrySweepService>;
