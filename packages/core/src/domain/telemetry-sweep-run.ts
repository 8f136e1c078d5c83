import type { InstanceMonitoring } from "./cloudwatch-reading";
import type { Ec2InstanceState } from "./worker-status";

/**
 * The steps of one sharded telemetry sweep, as the job data that carries
 * them (JSON: instants as ISO text). The fleet-level `telemetry-sweep` job
 * names the run; a `telemetry-region` job per account and region reads the
 * region from AWS once; a `telemetry-shard` job per shard asks its workers'
 * CML and saves them, from its slice of that reading.
 */
export interface TelemetryRegionPayload {
  /** The sweep run (from the fan-out job's id): one region job and one job per shard per run. */
  readonly run: string;
  readonly accountId: string;
  readonly region: string;
}

/** EC2's view of one instance, as JSON. */
export interface InstanceLook {
  readonly instanceId: string;
  readonly region: string;
  readonly state: Ec2InstanceState;
  readonly stateReason: string | null;
  readonly instanceType: string;
  readonly imageId: string;
  readonly publicIp: string | null;
  readonly privateIp: string | null;
  readonly launchTime: string | null;
  readonly tags: Readonly<Record<string, string>>;
  /** Absent in a job queued before it was carried: read as "basic". */
  readonly monitoring?: InstanceMonitoring;
}

/** What the region's AWS calls said of one worker's instance (null: nothing, e.g. no metrics when stopped). */
export interface CloudLook {
  readonly workerId: string;
  readonly instance: InstanceLook | null;
  readonly statusCheck: {
    readonly instanceId: string;
    readonly state: Ec2InstanceState;
    readonly instanceStatus: string;
    readonly systemStatus: string;
  } | null;
  readonly metrics: {
    readonly cpuPercent: number | null;
    readonly memoryPercent: number | null;
    readonly networkInBytes: number | null;
    readonly networkOutBytes: number | null;
  } | null;
}

export interface TelemetryShardPayload extends TelemetryRegionPayload {
  /** The region's shards in this cut (a power of two) and this one's slot: see cutShards. */
  readonly shardCount: number;
  readonly shardIndex: number;
  /** When the region's AWS calls were made: the instant of the shard's samples. */
  readonly observedAt: string;
  /** One entry per worker of the shard (at most CML_SWEEP_SHARD_SIZE), so the job data stays bounded. */
  readonly looks: readonly CloudLook[];
}

/** What one shard's sweep did (a `telemetry-shard` job's result). */
export interface ShardSweepResult {
  readonly accountId: string;
  readonly region: string;
  readonly shardCount: number;
  readonly shardIndex: number;
  readonly workers: number;
  /** Workers whose visible state moved (and were published). */
  readonly changed: number;
  /** Running workers whose CML did not answer in time. */
  readonly cmlUnreachable: number;
  /** Workers left alone: a later sweep (or a refresh) had saved them since this shard's AWS reading. */
  readonly superseded: number;
  /** ISO instants of the shard's work, under its lease. */
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** The result of a shard job that did not run because the same shard was still being swept. */
export interface SkippedShardResult {
  readonly skipped: string;
}

/** What one region's sweep did (a `telemetry-region` job's result, once its shards have finished). */
export interface RegionSweepResult {
  readonly accountId: string;
  readonly region: string;
  readonly workers: number;
  readonly changed: number;
  readonly cmlUnreachable: number;
  /** Shards swept. */
  readonly shards: number;
  /** Shards not swept this run: the same shard's previous run was still under way. */
  readonly skippedShards: number;
  /** The errors of shards that failed. */
  readonly failedShards: readonly string[];
}
