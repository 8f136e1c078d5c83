import type { Worker } from "@cml-fleet/core/domain/worker";
import type { ConvergenceService } from "@cml-fleet/core/services/convergence.service";
import type { IdleAutoStopService } from "@cml-fleet/core/services/idle-auto-stop.service";
import type { ImpairedRebootService } from "@cml-fleet/core/services/impaired-reboot.service";
import type { LabStopService } from "@cml-fleet/core/services/lab-commands.service";
import type { LicenseService } from "@cml-fleet/core/services/license.service";
import type { LifecycleService } from "@cml-fleet/core/services/lifecycle.service";
import type { NotificationDeliveryService } from "@cml-fleet/core/services/notification-delivery.service";
import type { PriceRefreshService } from "@cml-fleet/core/services/price-refresh.service";
import type { ProvisioningService } from "@cml-fleet/core/services/provisioning.service";
import type { ReconciliationService } from "@cml-fleet/core/services/reconciliation.service";
import type { ScheduleEvaluationService } from "@cml-fleet/core/services/schedule-evaluation.service";
import type { SnapshotService } from "@cml-fleet/core/services/snapshot.service";
import type { TagApplyService } from "@cml-fleet/core/services/tag-apply.service";
import type { TelemetrySweepService } from "@cml-fleet/core/services/telemetry-sweep.service";

/** The domain services the processors call, one each. */
export interface JobServices {
  readonly provisioning: ProvisioningService;
  readonly lifecycle: LifecycleService;
  readonly license: LicenseService;
  readonly telemetry: TelemetrySweepService;
  readonly idle: IdleAutoStopService;
  readonly schedules: ScheduleEvaluationService;
  readonly reconciliation: ReconciliationService;
  readonly convergence: ConvergenceService;
  readonly prices: PriceRefreshService;
  readonly labs: LabStopService;
  readonly tagApply: TagApplyService;
  readonly impairedReboot: ImpairedRebootService;
  readonly snapshots: SnapshotService;
  readonly notifications: NotificationDeliveryService;
}

/** A job's result: enough to show, small enough to keep. */
export function workerResult(worker: Worker) {
  return {
    workerId: worker.id,
    status: worker.status,
    serviceStatus: worker.serviceStatus,
    license: worker.license.status,
  };
}
