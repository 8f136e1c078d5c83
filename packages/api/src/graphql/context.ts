import type { AuditLogReader } from "@cml-fleet/core/ports/audit-log.port";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { MonitoringUsageReader } from "@cml-fleet/core/ports/monitoring-usage.port";
import type { ScheduleStore, StartHistory } from "@cml-fleet/core/ports/schedule-store.port";
import type { SnapshotStore } from "@cml-fleet/core/ports/snapshot-store.port";
import type { WorkerReadModel } from "@cml-fleet/core/ports/worker-read-model.port";
import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import type { JobCommandService } from "@cml-fleet/core/services/job-commands.service";
import type { LabCommandService } from "@cml-fleet/core/services/lab-commands.service";
import type { NotificationChannelService } from "@cml-fleet/core/services/notification-channel.service";
import type { PriceBookReader } from "@cml-fleet/core/services/price-book-reader";
import type { ScheduleService } from "@cml-fleet/core/services/schedule.service";
import type { ScheduleLeadConfig } from "@cml-fleet/core/services/schedule-lead-time";
import type { WorkerCommandService } from "@cml-fleet/core/services/worker-commands.service";
import type { WorkerImportService } from "@cml-fleet/core/services/worker-import.service";
import type { WorkerSettingsService } from "@cml-fleet/core/services/worker-settings.service";
import type { WorkerTrustService } from "@cml-fleet/core/services/worker-trust.service";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import type { FleetPubSub } from "@cml-fleet/platform/pubsub/fleet-pubsub";
import type { DrizzleWorkerRepository } from "@cml-fleet/platform/repositories/worker.repository";
import type { AutoStopReadModel } from "@cml-fleet/platform/repositories/worker-read-model";
import type { AccessControl } from "../auth/access-control";
import type { ApiTokenService } from "../services/api-token.service";
import type { FleetSummaryCache } from "./fleet-summary-cache";
import type { WorkerLoaders } from "./loaders";
import type { FleetSummaryShape } from "./schema/fleet-summary";

/** The services the mutations call: core's, which carry out requests, and the API's own token service. */
export interface ApiServices {
  readonly workerCommands: WorkerCommandService;
  readonly workerSettings: WorkerSettingsService;
  readonly workerImport: WorkerImportService;
  readonly workerTrust: WorkerTrustService;
  readonly apiTokens: ApiTokenService;
  readonly jobCommands: JobCommandService;
  readonly labCommands: LabCommandService;
  /** ADMINs' notification channels: create, delete, test. */
  readonly notificationChannels: NotificationChannelService;
  /** Schedules (ADMIN) and which one a worker follows (OPERATOR). */
  readonly schedules: ScheduleService;
}

/** What the queries read from (no write methods: writes go through the services). */
export interface ApiReads {
  readonly workers: Pick<WorkerRepository, "findById" | "findByIds" | "list" | "listActive" | "listEvents"> &
    WorkerReadModel &
    AutoStopReadModel &
    Pick<DrizzleWorkerRepository, "listWithCostInputs" | "findByIdWithCostInputs">;
  readonly jobs: Pick<JobQueue, "get" | "getMany" | "list">;
  /** The audit log, read back by ADMINs (`auditLog`). */
  readonly audit: AuditLogReader;
  readonly settings: Settings;
  readonly clock: Clock;
  /** Prices for costs: configured, else the cached Price List API's, else the static table. */
  readonly prices: PriceBookReader;
  /** The workers' snapshots (Worker.snapshots). */
  readonly snapshots: Pick<SnapshotStore, "listForWorkers">;
  /** Schedules and the start history their lead times are learned from (Worker.schedule, nextScheduledAction). */
  readonly schedules: Pick<ScheduleStore, "findByIds" | "workerIdsOf"> & StartHistory;
  readonly scheduleLead: ScheduleLeadConfig;
  /** The billable CloudWatch units the job processes counted (fleetSummary.monitoringCost). */
  readonly monitoringUsage: MonitoringUsageReader;
  /** This process's recent fleetSummary answers, forgotten on every fleet event. */
  readonly fleetSummaries: FleetSummaryCache<FleetSummaryShape>;
}

/** One per HTTP request, SSE stream or WebSocket operation. */
export interface GraphQLContext {
  readonly requestId: string;
  readonly logger: Logger;
  readonly access: AccessControl;
  readonly services: ApiServices;
  readonly reads: ApiReads;
  readonly loaders: WorkerLoaders;
  readonly pubsub: FleetPubSub;
}
