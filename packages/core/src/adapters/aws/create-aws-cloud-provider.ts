import { type Clock, systemClock } from "../../ports/clock.port";
import type { CloudProvider, CloudTarget } from "../../ports/cloud-provider.port";
import type { Logger } from "../../ports/logger.port";
import type { MonitoringUsageRecorder } from "../../ports/monitoring-usage.port";
import { type AwsClientCache, createAwsClientCache } from "./aws-client-cache";
import {
  type AwsCloudProviderOptions,
  CREDENTIAL_REFRESH_MARGIN_MS,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_FLEET_TAG,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_STATUS_CHECKS_BY_ID_LIMIT,
} from "./aws-cloud-options";
import { ALL_METRICS } from "./cloudwatch-metric-queries";
import { instanceMetrics, publishMetrics } from "./cloudwatch-metrics";
import {
  changeInstanceState,
  describeFleet,
  describeMany,
  describeOne,
  launchInstance,
  type StateAction,
} from "./ec2-instances";
import { rebootInstance } from "./ec2-reboot";
import {
  createSnapshot,
  deleteSnapshot,
  describeSnapshot,
  findSnapshots,
  rootVolumeOf,
} from "./ec2-snapshots";
import { statusChecks } from "./ec2-status-checks";
import { deleteTags, findImages, setTags } from "./ec2-tags-images";

export interface AwsCloudProvider extends CloudProvider {
  /** The per-(account, region, service) SDK clients, exposed so reuse is observable. */
  readonly clients: AwsClientCache;
  /** Closes the SDK clients' connection pools. */
  close(): void;
}

/**
 * The CloudProvider on AWS (or anything speaking its wire protocols, such as
 * the simulator: only `endpoints` differ).
 */
export function createAwsCloudProvider(
  options: AwsCloudProviderOptions,
  deps: { readonly clock?: Clock } = {},
): AwsCloudProvider {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  }
  const clients = createAwsClientCache({
    accounts: options.accounts,
    staticCredentials: options.staticCredentials,
    endpoints: options.endpoints ?? {},
    maxAttempts,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    credentialRefreshMarginMs: CREDENTIAL_REFRESH_MARGIN_MS,
    clock: deps.clock ?? systemClock,
    observer: options.observer,
  });
  const instances = { clients, fleetTag: options.fleetTag ?? DEFAULT_FLEET_TAG };
  const status = {
    clients,
    byIdLimit: options.statusChecksByIdLimit ?? DEFAULT_STATUS_CHECKS_BY_ID_LIMIT,
  };
  const logger = options.logger.child({ component: "aws-cloud-provider" });
  const usage = countedSafely(options.monitoringUsage, logger);
  const metrics = { clients, metricNames: options.metricNames ?? ALL_METRICS, usage };

  async function changeState(target: CloudTarget, instanceId: string, action: StateAction) {
    const change = await changeInstanceState(instances, target, instanceId, action);
    logger.info({ ...target, ...change, action }, "instance state change requested");
    return change;
  }

  return {
    clients,
    async launch(request) {
      const instance = await launchInstance(instances, request);
      logger.info(
        { instanceId: instance.instanceId, region: instance.region, clientToken: request.clientToken },
        "launched instance",
      );
      return instance;
    },
    start: (target, instanceId) => changeState(target, instanceId, "start"),
    stop: (target, instanceId) => changeState(target, instanceId, "stop"),
    terminate: (target, instanceId) => changeState(target, instanceId, "terminate"),
    reboot: async (target, instanceId) => {
      await rebootInstance(clients, target, instanceId);
      logger.info({ ...target, instanceId }, "instance reboot requested");
    },
    describe: (target, instanceId) => describeOne(instances, target, instanceId),
    describeFleet: (target) => describeFleet(instances, target),
    describeMany: (target, instanceIds) => describeMany(instances, target, instanceIds),
    statusChecks: (target, instanceIds) => statusChecks(status, target, instanceIds),
    setTags: (target, instanceIds, tags) => setTags(clients, target, instanceIds, tags),
    deleteTags: (target, instanceIds, keys) => deleteTags(clients, target, instanceIds, keys),
    findImages: (target, namePattern) => findImages(clients, target, namePattern),
    metrics: (target, instanceIds, window) => instanceMetrics(metrics, target, instanceIds, window),
    publishMetrics: (target, namespace, data) => publishMetrics(clients, target, namespace, data, usage),
    rootVolumeOf: (target, instanceId) => rootVolumeOf(clients, target, instanceId),
    async createSnapshot(request) {
      const snapshot = await createSnapshot(clients, request);
      logger.info(
        { ...request.target, volumeId: request.volumeId, snapshotId: snapshot.snapshotId },
        "snapshot requested",
      );
      return snapshot;
    },
    describeSnapshot: (target, snapshotId) => describeSnapshot(clients, target, snapshotId),
    findSnapshots: (target, tags) => findSnapshots(clients, target, tags),
    async deleteSnapshot(target, snapshotId) {
      await deleteSnapshot(clients, target, snapshotId);
      logger.info({ ...target, snapshotId }, "snapshot deleted");
    },
    close: () => clients.destroy(),
  };
}

/** The usage recorder with its failures logged: the call was made and answered whether or not it was counted. */
function countedSafely(
  recorder: MonitoringUsageRecorder | undefined,
  logger: Logger,
): MonitoringUsageRecorder | undefined {
  if (recorder === undefined) {
    return undefined;
  }
  return {
    record: (target, units) =>
      recorder.record(target, units).catch((error: unknown) => {
        logger.warn({ err: error, ...target }, "could not count CloudWatch usage");
      }),
  };
}
