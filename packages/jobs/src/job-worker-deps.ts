import type { JobKind } from "@cml-fleet/core/domain/job";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { CloudCallPacer } from "@cml-fleet/core/ports/cloud-call-pacer.port";
import type { CloudProvider } from "@cml-fleet/core/ports/cloud-provider.port";
import type { CmlClient, LicenseRegistrationOptions } from "@cml-fleet/core/ports/cml-client.port";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type { FleetMetricTotalsReader } from "@cml-fleet/core/ports/fleet-metric-totals.port";
import type { JobLookup } from "@cml-fleet/core/ports/job-lookup.port";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import type { LicenseTokenVault } from "@cml-fleet/core/ports/license-token-vault.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { NotificationStore } from "@cml-fleet/core/ports/notification-store.port";
import type { PublishedMetricsLedger } from "@cml-fleet/core/ports/published-metrics-ledger.port";
import type { ScheduleStore, StartHistory } from "@cml-fleet/core/ports/schedule-store.port";
import type { SnapshotStore } from "@cml-fleet/core/ports/snapshot-store.port";
import type { WebhookSender } from "@cml-fleet/core/ports/webhook-sender.port";
import type { WorkerOperationStore } from "@cml-fleet/core/ports/worker-operation-store.port";
import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import type { CustomMetricsConfig } from "@cml-fleet/core/services/custom-metrics-publisher";
import type { IdleAutoStopConfig } from "@cml-fleet/core/services/idle-auto-stop.service";
import type { ImpairedRebootConfig } from "@cml-fleet/core/services/impaired-reboot.service";
import type { ReadinessConfig } from "@cml-fleet/core/services/instance-readiness";
import type { Sleep } from "@cml-fleet/core/services/poll";
import type { PriceRefreshDeps } from "@cml-fleet/core/services/price-refresh.service";
import type { LaunchPlacement } from "@cml-fleet/core/services/provisioning.service";
import type { ReconciliationConfig } from "@cml-fleet/core/services/reconciliation.service";
import type { ScheduleLeadConfig } from "@cml-fleet/core/services/schedule-lead-time";
import type { Slots } from "@cml-fleet/core/services/slots";
import type { TelemetrySweepConfig } from "@cml-fleet/core/services/telemetry-sweep.service";
import type { JobTelemetryDeps } from "./observability/job-telemetry";
import type { JobTimeouts } from "./runtime/job-deadline";
import type { ScheduleIntervals } from "./runtime/schedulers";

/** How the job process runs its queues. */
export interface JobRuntimeConfig {
  readonly redisUrl: string;
  /** REDIS_KEY_PREFIX: BullMQ's prefix, and (via redisPrefixes) that of the process's other keys. */
  readonly prefix: string;
  /** Which queues this process serves (default: all). */
  readonly kinds?: readonly JobKind[] | undefined;
  /** Jobs of one kind run at once in this process. */
  readonly concurrency: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly workerLockTtlMs: number;
  readonly busyRetryDelayMs: number;
  readonly heartbeatIntervalMs: number;
  /** On shutdown, how long active jobs may run on before they are handed back to the queue. */
  readonly shutdownGraceMs: number;
  /** Null: this process declares no repeating jobs. */
  readonly schedules: ScheduleIntervals | null;
  /** The bound of each job attempt (CML_JOB_TIMEOUT, CML_PROVISIONING_TIMEOUT); unset: unbounded. */
  readonly timeouts?: JobTimeouts | undefined;
  /**
   * How long after it was queued a job waits for its request's transaction
   * to commit before it counts as never saved (default 30 s), and how soon it
   * looks again meanwhile (default 250 ms). See the README, "Convergence".
   */
  readonly intentCommitGraceMs?: number | undefined;
  readonly intentRecheckMs?: number | undefined;
}

/** Everything the job workers need: ports, configuration, and the runtime settings. */
export interface JobWorkerDeps {
  readonly workers: WorkerRepository;
  readonly publisher: EventPublisher;
  readonly cloud: CloudProvider;
  readonly cml: CmlClient;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly logger: Logger;
  /** The producer, for jobs that start other jobs (an idle stop is a stop job). */
  readonly jobs: Pick<JobQueue, "enqueue">;
  /** The outbox of accepted operations: jobs settle their rows, the converge sweep lands the lost ones. */
  readonly operations: WorkerOperationStore;
  /** Where jobs stand in the queues, many at once (the converge sweep). */
  readonly jobLookup: JobLookup;
  /**
   * The converge sweep: a pending row's job counts as lost once the row is
   * `graceMs` old (CML_CONVERGENCE_INTERVAL); `maxRedrives` (default 5) bounds re-drives.
   */
  readonly convergence: { readonly graceMs: number; readonly maxRedrives?: number | undefined };
  readonly newId: () => string;
  readonly readiness: ReadinessConfig;
  readonly licenseRegistration: LicenseRegistrationOptions;
  readonly licenseToken: string | null;
  readonly licenseTokens: Pick<LicenseTokenVault, "read" | "discard">;
  readonly placement: (worker: Worker) => LaunchPlacement;
  readonly sweep: TelemetrySweepConfig;
  /** The process's CML look slots, shared by the telemetry shards it sweeps at once (TelemetrySweepDeps.lookSlots). */
  readonly lookSlots?: Pick<Slots, "acquire"> | undefined;
  readonly idle: IdleAutoStopConfig;
  /** The workers' schedules (the idle check reads them too) and the start history lead times are learned from. */
  readonly schedules: ScheduleStore & StartHistory;
  readonly scheduleLead: ScheduleLeadConfig;
  readonly reconciliation: ReconciliationConfig;
  /** The price-refresh job's Price List API, volume inventory, cache and what it prices. */
  readonly pricing: Pick<PriceRefreshDeps, "priceList" | "volumes" | "cache" | "config">;
  /** Reboots of workers whose EC2 status checks stay impaired (opt-in). */
  readonly impairedReboot: ImpairedRebootConfig;
  /** The fleet's record of its workers' EBS snapshots (snapshot jobs). */
  readonly snapshots: SnapshotStore;
  /** CML_SNAPSHOT_KEEP: completed snapshots kept per worker (null: all). */
  readonly snapshotRetention: { readonly keepPerWorker: number | null };
  /** Notification deliveries: the channels and deliveries in Postgres, the HTTP sender, NOTIFY_ALLOW_HTTP. */
  readonly notifications: {
    readonly store: NotificationStore;
    readonly sender: WebhookSender;
    readonly allowHttp: boolean;
  };
  readonly runtime: JobRuntimeConfig;
  /** CML_CUSTOM_METRICS_*, the fleet totals' aggregate read and where what was last published is kept (Redis). */
  readonly customMetricsPublishing?:
    | {
        readonly config: CustomMetricsConfig;
        readonly totals: FleetMetricTotalsReader;
        readonly ledger: PublishedMetricsLedger;
      }
    | undefined;
  /** Paces the process's EC2 calls (launch, start, stop, terminate, describes) to EC2's rates across every job process; unset, they go at once. */
  readonly cloudPacer?: CloudCallPacer | undefined;
  /** Test hook (see ProvisioningDeps.afterLaunch). */
  readonly afterLaunch?: ((workerId: string, instanceId: string) => Promise<void>) | undefined;
  /** Job metrics, a span and a log context per job; none when unset. */
  readonly telemetry?: JobTelemetryDeps | undefined;
}
