import { createHash } from "node:crypto";
import type {
  RegionSweepResult,
  ShardSweepResult,
  TelemetryRegionPayload,
  TelemetryShardPayload,
} from "@cml-fleet/core/domain/telemetry-sweep-run";
import type { CloudTarget } from "@cml-fleet/core/ports/cloud-provider.port";
import type { ChildJob } from "../runtime/child-jobs";

/**
 * Ids and leases of a sharded telemetry sweep's steps. A step's job id is
 * built from the run and what it sweeps, so queuing a run's steps again (a
 * fan-out taken over after a crash) adds nothing; a lease is built from what
 * it sweeps alone, so two runs never sweep one region or shard at once.
 * Hashes keep the ids short and within the characters a job id may hold.
 */
const digest = (text: string, length: number) =>
  createHash("sha256").update(text).digest("hex").slice(0, length);

/** The run a fan-out job starts: a short digest of its job id. */
export function sweepRunOf(fanOutJobId: string): string {
  return digest(fanOutJobId, 12);
}

const targetKey = (target: CloudTarget) => digest(`${target.accountId}/${target.region}`, 10);

export function regionStep(run: string, target: CloudTarget): ChildJob<"telemetry-region"> {
  return {
    kind: "telemetry-region",
    jobId: `telemetry-region.${run}_${targetKey(target)}`,
    payload: { run, accountId: target.accountId, region: target.region },
  };
}

export function shardStep(shard: TelemetryShardPayload): ChildJob<"telemetry-shard"> {
  return {
    kind: "telemetry-shard",
    jobId: `telemetry-shard.${shard.run}_${targetKey(shard)}_${shard.shardCount}-${shard.shardIndex}`,
    payload: shard,
  };
}

export function regionLease(region: TelemetryRegionPayload): string {
  return `telemetry-region:${region.accountId}:${region.region}`;
}

/** A shard is its slot among its region's shard count (see cutShards). */
export function shardLease(shard: TelemetryShardPayload): string {
  return `telemetry-shard:${shard.accountId}:${shard.region}:${shard.shardCount}-${shard.shardIndex}`;
}

/** A step's answer that says it did not run: the same region or shard was still being swept. */
export function isSkipped(value: unknown): value is { readonly skipped: string } {
  return typeof value === "object" && value !== null && "skipped" in value;
}

/** The answers of the shards a region step waited for (the fleet's own results, JSON). */
export function shardResultsOf(values: readonly unknown[]): ShardSweepResult[] {
  return values.filter((value): value is ShardSweepResult => !isSkipped(value) && typeof value === "object");
}

/** The answers of the regions a fan-out waited for. */
export function regionResultsOf(values: readonly unknown[]): RegionSweepResult[] {
  return values.filter((value): value is RegionSweepResult => !isSkipped(value) && typeof value === "object");
}

/** The target of a failed region step, from its job data. */
export function targetOfPayload(payload: unknown): CloudTarget | null {
  if (
    typeof payload !== "object" ||
    payload === null ||
    !("accountId" in payload) ||
    !("region" in payload)
  ) {
    return null;
  }
  const { accountId, region } = payload;
  return typeof accountId === "string" && typeof region === "string" ? { accountId, region } : null;
}
