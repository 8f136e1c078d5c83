import type { Worker } from "../domain/worker";
import type { Clock } from "../ports/clock.port";
import type { CloudProvider, CloudTarget, CustomMetricDatum } from "../ports/cloud-provider.port";
import type { FleetMetricTotals, FleetMetricTotalsReader } from "../ports/fleet-metric-totals.port";
import type { Logger } from "../ports/logger.port";
import type { PublishedMetricState, PublishedMetricsLedger } from "../ports/published-metrics-ledger.port";

/** CML_CUSTOM_METRICS_*: what is published to CloudWatch, and how often at most. */
export interface CustomMetricsConfig {
  readonly enabled: boolean;
  readonly namespace: string;
  /** A series whose value did not change is published again only once this long has passed. */
  readonly periodMs: number;
  /** Also a series per worker and figure (3 per worker), besides the fleet totals. */
  readonly perWorker: boolean;
}

export interface CustomMetricsPublisherDeps {
  readonly cloud: Pick<CloudProvider, "publishMetrics">;
  readonly totals: FleetMetricTotalsReader;
  readonly ledger: PublishedMetricsLedger;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: CustomMetricsConfig;
}

/** What one publishing pass did: groups of series put, and groups left alone (unchanged, within the period). */
export interface PublishOutcome {
  readonly published: number;
  readonly unchanged: number;
}

/** The fleet totals' metric names, each a series per account and region (no dimensions). */
export const FLEET_TOTAL_METRICS = [
  "WorkersRunning",
  "WorkersCmlReachable",
  "RunningNodes",
  "StartedLabs",
  "WorkersLicensed",
  "WorkersIdle",
] as const;

function fleetTotalData(totals: FleetMetricTotals, at: Date): CustomMetricDatum[] {
  const values: Record<(typeof FLEET_TOTAL_METRICS)[number], number> = {
    WorkersRunning: totals.workersRunning,
    WorkersCmlReachable: totals.workersCmlReachable,
    RunningNodes: totals.runningNodes,
    StartedLabs: totals.startedLabs,
    WorkersLicensed: totals.workersLicensed,
    WorkersIdle: totals.workersIdle,
  };
  return FLEET_TOTAL_METRICS.map((name) => ({
    name,
    dimensions: {},
    value: values[name],
    unit: "Count",
    at,
  }));
}

/** A worker's CML figures, one datum per figure: only for a reachable worker (else nothing is known). */
function workerData(worker: Worker, at: Date): CustomMetricDatum[] {
  const telemetry = worker.telemetry;
  if (telemetry === null || !telemetry.cmlReachable) {
    return [];
  }
  const dimensions = { WorkerId: worker.id, WorkerName: worker.name };
  return [
    { name: "RunningNodes", dimensions, value: telemetry.runningNodes ?? 0, unit: "Count", at },
    { name: "StartedLabs", dimensions, value: telemetry.startedLabs ?? 0, unit: "Count", at },
    {
      name: "LicenseRegistered",
      dimensions,
      value: worker.license.status === "REGISTERED" ? 1 : 0,
      unit: "None",
      at,
    },
  ];
}

/** The values of a group of data, compared to decide whether it changed (names and dimensions fixed per key). */
export function customMetricsFingerprint(data: readonly CustomMetricDatum[]): string {
  return data.map((datum) => `${datum.name}=${datum.value}`).join(",");
}

/** A group is due when it was never published (or forgotten), when it changed, or once the period has passed. */
export function isDue(
  last: PublishedMetricState | undefined,
  fingerprint: string,
  now: Date,
  periodMs: number,
): boolean {
  return (
    last === undefined || last.fingerprint !== fingerprint || now.getTime() - last.at.getTime() >= periodMs
  );
}

interface Group {
  readonly key: string;
  readonly data: CustomMetricDatum[];
}

/**
 * CloudWatch custom metrics that cost little: a custom series is billed per
 * month ($0.30 at list price) and each PutMetricData request too, so the
 * fleet publishes totals per account and region (6 series whatever the number
 * of workers), computed where the whole fleet is known (the sweep's fan-out,
 * after its shards), and a series per worker only when asked to. A group of
 * series is put only when its values changed, or again once the period has
 * passed so alarms keep seeing data; what was put last is kept in the ledger,
 * shared by every job process and surviving restarts.
 */
export function createCustomMetricsPublisher(deps: CustomMetricsPublisherDeps) {
  const { config } = deps;
  // Kept twice the period: a state forgotten later than that would make its group due anyway.
  const keepMs = config.periodMs * 2;

  /** Puts the due groups of one target in one PutMetricData call (chunked by the adapter), then records them. */
  async function publishDue(target: CloudTarget, groups: readonly Group[]): Promise<PublishOutcome> {
    if (groups.length === 0) {
      return { published: 0, unchanged: 0 };
    }
    const now = deps.clock.now();
    const last = await deps.ledger.lastPublished(groups.map((group) => group.key));
    const due = groups.flatMap((group) => {
      const fingerprint = customMetricsFingerprint(group.data);
      return isDue(last.get(group.key), fingerprint, now, config.periodMs) ? [{ ...group, fingerprint }] : [];
    });
    if (due.length > 0) {
      await deps.cloud.publishMetrics(
        target,
        config.namespace,
        due.flatMap((group) => group.data),
      );
      await deps.ledger.recordPublished(
        due.map((group) => ({ key: group.key, state: { fingerprint: group.fingerprint, at: now } })),
        keepMs,
      );
    }
    return { published: due.length, unchanged: groups.length - due.length };
  }

  return {
    /**
     * The fleet totals of every account and region, from one aggregate read.
     * A target whose put fails is logged and tried again at the next sweep
     * (its state was not recorded); the others are published regardless.
     */
    async publishFleetTotals(): Promise<PublishOutcome> {
      if (!config.enabled) {
        return { published: 0, unchanged: 0 };
      }
      const at = deps.clock.now();
      const outcomes = await Promise.all(
        (await deps.totals.fleetMetricTotals()).map(async (totals) => {
          const target = { accountId: totals.accountId, region: totals.region };
          const key = `fleet:${config.namespace}:${totals.accountId}:${totals.region}`;
          try {
            return await publishDue(target, [{ key, data: fleetTotalData(totals, at) }]);
          } catch (error) {
            deps.logger.warn({ err: error, ...target }, "could not publish the fleet's custom metrics");
            return { published: 0, unchanged: 0 };
          }
        }),
      );
      return {
        published: outcomes.reduce((sum, outcome) => sum + outcome.published, 0),
        unchanged: outcomes.reduce((sum, outcome) => sum + outcome.unchanged, 0),
      };
    },

    /**
     * Per-worker series (CML_CUSTOM_METRICS_PER_WORKER) of a shard's freshly
     * swept workers: the shard knows only its own workers, which is all a
     * per-worker series needs.
     */
    async publishWorkers(target: CloudTarget, workers: readonly Worker[], at: Date): Promise<PublishOutcome> {
      if (!config.enabled || !config.perWorker) {
        return { published: 0, unchanged: 0 };
      }
      const groups = workers.flatMap((worker): Group[] => {
        const data = workerData(worker, at);
        return data.length === 0 ? [] : [{ key: `worker:${config.namespace}:${worker.id}`, data }];
      });
      return publishDue(target, groups);
    },
  };
}

export type CustomMetricsPublisher = ReturnType<typeof createCustomMetricsPublisher>;
