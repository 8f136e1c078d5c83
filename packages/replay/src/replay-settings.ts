import { hourlyRate } from "@cml-fleet/core/domain/cost";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";

/** The settings a replay runs the fleet with, as the job process derives them (packages/jobs/src/job-process.ts). */
export interface ReplaySettings {
  /** CML_WORKER_TELEMETRY_COLLECTION_INTERVAL: the period of the telemetry sweep and of the idle check. */
  readonly intervalMs: number;
  readonly idle: Settings["idle"];
  readonly cmlApiPort: number;
  readonly cmlConcurrency: number;
  readonly requestTimeoutMs: number;
  readonly retentionMs: number | null;
  readonly provisioningTimeoutMs: number;
  readonly cmlStartupTimeoutMs: number;
  readonly healthCheckIntervalMs: number;
  readonly licenseRegistrationTimeoutMs: number;
  /** CML_SCHEDULE_EVALUATION_INTERVAL: the period of the schedule evaluation (and the slack added to its lead). */
  readonly scheduleIntervalMs: number;
  /** CML_SCHEDULE_DEFAULT_LEAD: the lead before the fleet has learned one. */
  readonly scheduleDefaultLeadMs: number;
  /** Where and what the replayed workers are: the default region and instance type. */
  readonly region: string;
  readonly instanceType: string;
  /** USD per hour of that type in that region, for workers whose trace gives no rate; null when unpriced. */
  readonly defaultHourlyRate: number | null;
}

export function replaySettingsFrom(settings: Settings): ReplaySettings {
  const region = settings.aws.defaultRegion;
  const instanceType = settings.worker.defaultInstanceType;
  return {
    intervalMs: settings.telemetry.collectionIntervalMs,
    idle: settings.idle,
    cmlApiPort: settings.cml.apiPort,
    cmlConcurrency: settings.cml.concurrency,
    requestTimeoutMs: settings.cml.requestTimeoutMs,
    retentionMs: settings.telemetry.retentionMs,
    provisioningTimeoutMs: settings.jobs.provisioningTimeoutMs,
    cmlStartupTimeoutMs: settings.cml.startupTimeoutMs,
    healthCheckIntervalMs: settings.cml.healthCheckIntervalMs,
    licenseRegistrationTimeoutMs: settings.license.registrationTimeoutMs,
    scheduleIntervalMs: settings.schedules.evaluationIntervalMs,
    scheduleDefaultLeadMs: settings.schedules.defaultLeadMs,
    region,
    instanceType,
    defaultHourlyRate: hourlyRate(settings.pricing, instanceType, region),
  };
}
