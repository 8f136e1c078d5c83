import { unpacedCloudCalls } from "@cml-fleet/core/ports/cloud-call-pacer.port";
import { pacedCloudProvider } from "@cml-fleet/core/services/cloud-call-pacing";
import { coalescedDescribes } from "@cml-fleet/core/services/coalesced-describes";
import { createConvergenceService, DEFAULT_MAX_REDRIVES } from "@cml-fleet/core/services/convergence.service";
import { createCustomMetricsPublisher } from "@cml-fleet/core/services/custom-metrics-publisher";
import { createIdleAutoStopService } from "@cml-fleet/core/services/idle-auto-stop.service";
import { createImpairedRebootService } from "@cml-fleet/core/services/impaired-reboot.service";
import { createLabStopService } from "@cml-fleet/core/services/lab-commands.service";
import { createLicenseService } from "@cml-fleet/core/services/license.service";
import { createLifecycleService } from "@cml-fleet/core/services/lifecycle.service";
import { createNotificationDeliveryService } from "@cml-fleet/core/services/notification-delivery.service";
import { createPriceRefreshService } from "@cml-fleet/core/services/price-refresh.service";
import { createProvisioningService } from "@cml-fleet/core/services/provisioning.service";
import { createReconciliationService } from "@cml-fleet/core/services/reconciliation.service";
import { createScheduleEvaluationService } from "@cml-fleet/core/services/schedule-evaluation.service";
import { createSnapshotService } from "@cml-fleet/core/services/snapshot.service";
import { createTagApplyService } from "@cml-fleet/core/services/tag-apply.service";
import { createTelemetrySweepService } from "@cml-fleet/core/services/telemetry-sweep.service";
import type { JobWorkerDeps } from "./job-worker-deps";
import type { JobServices } from "./processors/job-services";
import { guardedByJobDeadline } from "./runtime/deadline-guard";

export function createJobServices(unguarded: JobWorkerDeps): JobServices {
  // The process's looks at instances share DescribeInstances calls per region, and its EC2 calls draw on the
  // fleet's buckets (launch and start reserve theirs in their services, between steps).
  const cloud = coalescedDescribes(
    pacedCloudProvider(unguarded.cloud, {
      pacer: unguarded.cloudPacer ?? unpacedCloudCalls,
      sleep: unguarded.sleep,
    }),
  );
  // Every cloud call, CML call and worker write first checks the job's bound (see guardedByJobDeadline).
  const deps: JobWorkerDeps = {
    ...unguarded,
    cloud: guardedByJobDeadline(cloud),
    cml: guardedByJobDeadline(unguarded.cml),
    workers: guardedByJobDeadline(unguarded.workers),
  };
  const impairedReboot = createImpairedRebootService(deps);
  return {
    provisioning: createProvisioningService(deps),
    lifecycle: createLifecycleService(deps),
    license: createLicenseService({ ...deps, configuredToken: deps.licenseToken }),
    telemetry: createTelemetrySweepService({
      ...deps,
      impairedReboots: impairedReboot,
      customMetrics:
        deps.customMetricsPublishing === undefined
          ? undefined
          : createCustomMetricsPublisher({ ...deps, ...deps.customMetricsPublishing }),
      onShardSwept: (shard, seconds) =>
        deps.telemetry?.metrics.sweepShardDuration?.observe(
          { account: shard.accountId, region: shard.region },
          seconds,
        ),
    }),
    idle: createIdleAutoStopService(deps),
    schedules: createScheduleEvaluationService({
      ...deps,
      startHistory: deps.schedules,
      onLateStart: (worker) =>
        deps.telemetry?.metrics.scheduleLateStarts?.inc({
          region: worker.region,
          instance_type: worker.instanceType,
        }),
    }),
    reconciliation: createReconciliationService(deps),
    convergence: createConvergenceService({
      ...deps,
      convergence: {
        graceMs: deps.convergence.graceMs,
        maxRedrives: deps.convergence.maxRedrives ?? DEFAULT_MAX_REDRIVES,
        batchSize: 1_000,
      },
    }),
    prices: createPriceRefreshService({ ...deps, ...deps.pricing }),
    labs: createLabStopService(deps),
    tagApply: createTagApplyService(deps),
    snapshots: createSnapshotService({
      ...deps,
      pollInitialMs: deps.readiness.pollInitialMs,
      pollMaxMs: deps.readiness.pollMaxMs,
      keepPerWorker: deps.snapshotRetention.keepPerWorker,
    }),
    impairedReboot,
    notifications: createNotificationDeliveryService({
      store: deps.notifications.store,
      sender: deps.notifications.sender,
      allowHttp: deps.notifications.allowHttp,
      clock: deps.clock,
      logger: deps.logger,
      newId: deps.newId,
    }),
  };
}
