import type { ShardSweepResult } from "../domain/telemetry-sweep-run";
import type { CloudProvider, CloudTarget } from "../ports/cloud-provider.port";
import type { CmlClient } from "../ports/cml-client.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import type { CustomMetricsPublisher } from "./custom-metrics-publisher";
import type { ImpairedRebootService } from "./impaired-reboot.service";
import { DEFAULT_LICENSE_READ_INTERVAL_MS } from "./license-read-cadence";
import type { Slots } from "./slots";
import type { WorkerWriterDeps } from "./worker-writer";

/** CML_SWEEP_SHARD_SIZE's default: the most workers one shard of a region's sweep holds. */
export const DEFAULT_SWEEP_SHARD_SIZE = 250;

export interface TelemetrySweepConfig {
  readonly cmlApiPort: number;
  /** Most workers whose CML is being asked at once by one shard, when the deps carry no process-wide `lookSlots`. */
  readonly cmlConcurrency: number;
  /** The most one worker's CML questions may take in a sweep; a slower worker counts as unreachable. */
  readonly perWorkerTimeoutMs: number;
  /** How far back CloudWatch is asked for the latest datapoint. */
  readonly metricWindowMs: number;
  readonly metricPeriodSeconds: number;
  /** Telemetry samples older than this are deleted after each sweep (null keeps them all). */
  readonly retentionMs: number | null;
  /** CML_SWEEP_SHARD_SIZE: the most workers one shard holds (default {@link DEFAULT_SWEEP_SHARD_SIZE}). */
  readonly shardSize?: number | undefined;
  /**
   * CML_LICENSE_READ_INTERVAL: a settled license is read by a look only when its answers contradict it, or once
   * this long (see licenseReadPlan; default {@link DEFAULT_LICENSE_READ_INTERVAL_MS}, 0 reads every look).
   */
  readonly licenseReadIntervalMs?: number | undefined;
}

export interface TelemetrySweepDeps extends WorkerWriterDeps {
  readonly workers: WorkerRepository;
  readonly cloud: CloudProvider;
  readonly cml: CmlClient;
  readonly sweep: TelemetrySweepConfig;
  /** Decides reboots of impaired workers after each shard's sweep (none: impaired checks are only reported). */
  readonly impairedReboots?: Pick<ImpairedRebootService, "decide"> | undefined;
  /**
   * CloudWatch custom metrics (CML_CUSTOM_METRICS_*): the fleet totals after a whole sweep, per-worker series
   * after each shard when asked for. None: nothing is published.
   */
  readonly customMetrics?: Pick<CustomMetricsPublisher, "publishFleetTotals" | "publishWorkers"> | undefined;
  /**
   * The process's slots for CML looks, shared by every shard it sweeps at once (each look holds one while it
   * asks its worker). None: each shard looks at `sweep.cmlConcurrency` workers at once on its own.
   */
  readonly lookSlots?: Pick<Slots, "acquire"> | undefined;
  /** Told of each shard swept and how long it took (the job process's sweep-duration histogram). */
  readonly onShardSwept?: ((shard: ShardSweepResult, seconds: number) => void) | undefined;
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
  /** Shards swept, and shards skipped because a run of the same shard was still under way. */
  readonly shards: number;
  readonly skippedShards: number;
}
