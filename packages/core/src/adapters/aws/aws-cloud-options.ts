import type { CallObserver } from "../../ports/call-observer.port";
import type { Logger } from "../../ports/logger.port";
import type { MonitoringUsageRecorder } from "../../ports/monitoring-usage.port";
import type { MetricName } from "./cloudwatch-metric-queries";

/** How to reach one AWS account. Without `roleArn` the ambient (or static) credentials are used. */
export interface AwsAccountAccess {
  readonly roleArn?: string | undefined;
  readonly externalId?: string | undefined;
  readonly sessionName?: string | undefined;
}

export interface StaticAwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface AwsEndpointOverrides {
  readonly ec2?: string | undefined;
  readonly cloudwatch?: string | undefined;
  readonly sts?: string | undefined;
}

export interface FleetTag {
  readonly key: string;
  readonly value: string;
}

export interface AwsCloudProviderOptions {
  /** Keyed by the fleet's account id; the key "default" means the ambient credentials. */
  readonly accounts: Readonly<Record<string, AwsAccountAccess>>;
  /** Base credentials (instead of the SDK's default chain); assumed roles are requested with them. */
  readonly staticCredentials?: StaticAwsCredentials | undefined;
  /** Endpoint URLs (e.g. the simulator); unset means the real AWS endpoints. */
  readonly endpoints?: AwsEndpointOverrides | undefined;
  readonly fleetTag?: FleetTag | undefined;
  /** Total attempts per call including the first (SDK adaptive retry). */
  readonly maxAttempts?: number | undefined;
  readonly requestTimeoutMs?: number | undefined;
  readonly connectionTimeoutMs?: number | undefined;
  /** Which CloudWatch metrics `metrics()` asks for (one query per instance and metric). */
  readonly metricNames?: readonly MetricName[] | undefined;
  /**
   * Above this many ids, `statusChecks` pages through the whole region (1000 a page) instead of
   * asking 100 ids a call: see ec2-status-checks.ts.
   */
  readonly statusChecksByIdLimit?: number | undefined;
  readonly logger: Logger;
  /** Told about every EC2 and CloudWatch call (metrics, traces). */
  readonly observer?: CallObserver | undefined;
  /**
   * Told of the billable CloudWatch units spent (metrics requested, PutMetricData requests, custom series), so
   * the fleet can show what monitoring itself costs. A failure to count is logged, never the call's failure.
   */
  readonly monitoringUsage?: MonitoringUsageRecorder | undefined;
}

export const DEFAULT_FLEET_TAG: FleetTag = { key: "cml-fleet:managed", value: "true" };
export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
export const DEFAULT_STATUS_CHECKS_BY_ID_LIMIT = 100;
/** Assumed-role credentials are refreshed this long before they expire. */
export const CREDENTIAL_REFRESH_MARGIN_MS = 5 * 60_000;
