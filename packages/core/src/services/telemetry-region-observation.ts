import { cloudWatchIsDue } from "../domain/cloudwatch-reading";
import type { CloudLook } from "../domain/telemetry-sweep-run";
import type { TelemetrySnapshot } from "../domain/worker";
import type {
  CloudInstance,
  CloudProvider,
  CloudTarget,
  InstanceMetrics,
  InstanceStatusCheck,
} from "../ports/cloud-provider.port";

/** What the region's AWS calls said of one worker's instance. */
export interface WorkerCloudLook {
  readonly instance: CloudInstance | null;
  readonly statusCheck: InstanceStatusCheck | null;
  /** Null when CloudWatch was not asked for this worker (see cloudWatchIsDue), or the instance does not run. */
  readonly metrics: InstanceMetrics | null;
}

/** One reading of a region from AWS, for the workers EC2 knows. */
export interface RegionObservation {
  readonly at: Date;
  /** By worker id; a worker whose instance EC2 does not list is left out (the reconcile sweep's business). */
  readonly looks: ReadonlyMap<string, WorkerCloudLook>;
}

export interface RegionObservationWindow {
  /** How far back CloudWatch is asked for the latest datapoint. */
  readonly metricWindowMs: number;
  readonly metricPeriodSeconds: number;
}

/**
 * Reads a region once: describe by fleet tag, status checks and metrics, each
 * batched by the adapter (1000 instances a describe page, 500 queries a
 * GetMetricData call), so the calls are the floor however the region's
 * workers are later cut into shards. CloudWatch is asked only for the running
 * workers whose CPU and memory CML could not give at the last sweep and for
 * which a new datapoint can exist since it was last asked (cloudWatchIsDue).
 */
export async function observeRegion(
  cloud: Pick<CloudProvider, "describeFleet" | "statusChecks" | "metrics">,
  target: CloudTarget,
  workers: readonly {
    readonly id: string;
    readonly instanceId: string | null;
    readonly telemetry: TelemetrySnapshot | null;
  }[],
  window: RegionObservationWindow,
  at: Date,
): Promise<RegionObservation> {
  const instances = await cloud.describeFleet(target);
  const byInstance = new Map<string, CloudInstance>(
    instances.map((instance) => [instance.instanceId, instance]),
  );
  const known = workers.filter((worker) => worker.instanceId !== null && byInstance.has(worker.instanceId));
  const ids = known.map((worker) => worker.instanceId ?? "");
  const dueIds = known.flatMap((worker) => {
    const instance = byInstance.get(worker.instanceId ?? "");
    return instance?.state === "running" && cloudWatchIsDue(worker.telemetry, instance.monitoring, at)
      ? [instance.instanceId]
      : [];
  });
  const [checks, metrics] = await Promise.all([
    ids.length === 0 ? Promise.resolve<InstanceStatusCheck[]>([]) : cloud.statusChecks(target, ids),
    dueIds.length === 0
      ? Promise.resolve(new Map<string, InstanceMetrics>())
      : cloud.metrics(target, dueIds, {
          start: new Date(at.getTime() - window.metricWindowMs),
          end: at,
          periodSeconds: window.metricPeriodSeconds,
        }),
  ]);
  const checkById = new Map(checks.map((check) => [check.instanceId, check]));
  const looks = new Map<string, WorkerCloudLook>(
    known.map((worker) => {
      const instanceId = worker.instanceId ?? "";
      return [
        worker.id,
        {
          instance: byInstance.get(instanceId) ?? null,
          statusCheck: checkById.get(instanceId) ?? null,
          metrics: metrics.get(instanceId) ?? null,
        },
      ];
    }),
  );
  return { at, looks };
}

/** A look as job data (JSON). */
export function encodeCloudLook(workerId: string, look: WorkerCloudLook): CloudLook {
  const instance = look.instance;
  return {
    workerId,
    instance:
      instance === null ? null : { ...instance, launchTime: instance.launchTime?.toISOString() ?? null },
    statusCheck: look.statusCheck,
    metrics: look.metrics,
  };
}

/** A look back from job data. */
export function decodeCloudLook(look: CloudLook): WorkerCloudLook {
  const instance = look.instance;
  return {
    instance:
      instance === null
        ? null
        : {
            ...instance,
            launchTime: instance.launchTime === null ? null : new Date(instance.launchTime),
            monitoring: instance.monitoring ?? "basic",
          },
    statusCheck: look.statusCheck,
    metrics: look.metrics,
  };
}
