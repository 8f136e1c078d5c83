import type { InstanceMonitoring } from "../domain/cloudwatch-reading";
import type { Ec2InstanceState } from "../domain/worker-status";

/** Which account (a key of the settings' accounts) and region a call addresses. */
export interface CloudTarget {
  readonly accountId: string;
  readonly region: string;
}

export interface CloudInstance {
  readonly instanceId: string;
  readonly region: string;
  readonly state: Ec2InstanceState;
  readonly stateReason: string | null;
  readonly instanceType: string;
  readonly imageId: string;
  readonly publicIp: string | null;
  readonly privateIp: string | null;
  readonly launchTime: Date | null;
  readonly tags: Readonly<Record<string, string>>;
  /** How often EC2 publishes the instance's CloudWatch metrics (its Monitoring.State). */
  readonly monitoring: InstanceMonitoring;
}

export interface LaunchRequest {
  readonly target: CloudTarget;
  /** Idempotency token (<= 64 ASCII chars): the same token never launches a second instance. */
  readonly clientToken: string;
  readonly name: string;
  readonly instanceType: string;
  readonly imageId: string;
  readonly subnetId?: string | undefined;
  readonly securityGroupIds?: readonly string[] | undefined;
  readonly keyName?: string | undefined;
  readonly assignPublicIp?: boolean | undefined;
  readonly detailedMonitoring?: boolean | undefined;
  readonly tags: Readonly<Record<string, string>>;
  /** Restores the root volume from this EBS snapshot (a block-device mapping on the image's root device). */
  readonly rootSnapshotId?: string | undefined;
}

export interface InstanceStateChange {
  readonly instanceId: string;
  readonly previousState: Ec2InstanceState;
  readonly currentState: Ec2InstanceState;
}

export interface InstanceStatusCheck {
  readonly instanceId: string;
  readonly state: Ec2InstanceState;
  /** e.g. "ok", "impaired", "initializing", "not-applicable". */
  readonly instanceStatus: string;
  readonly systemStatus: string;
}

export interface MachineImage {
  readonly imageId: string;
  readonly name: string;
  readonly state: string;
  readonly creationDate: Date | null;
}

export type CloudSnapshotState = "pending" | "completed" | "error";

/** An EBS snapshot (EC2 CreateSnapshot / DescribeSnapshots). */
export interface CloudSnapshot {
  readonly snapshotId: string;
  readonly volumeId: string;
  readonly state: CloudSnapshotState;
  /** 0..100, null when EC2 did not say. */
  readonly progressPercent: number | null;
  readonly sizeGiB: number | null;
  readonly description: string;
  readonly startTime: Date | null;
  readonly tags: Readonly<Record<string, string>>;
}

export interface SnapshotRequest {
  readonly target: CloudTarget;
  readonly volumeId: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface MetricWindow {
  readonly start: Date;
  readonly end: Date;
  readonly periodSeconds: number;
}

/** Latest value per metric for one instance; null where CloudWatch had no datapoint. */
export interface InstanceMetrics {
  readonly cpuPercent: number | null;
  readonly memoryPercent: number | null;
  readonly networkInBytes: number | null;
  readonly networkOutBytes: number | null;
}

/** One custom metric datum (the CML figures the fleet publishes to CloudWatch). */
export interface CustomMetricDatum {
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
  readonly unit: "Count" | "None" | "Percent";
  readonly at: Date;
}

/**
 * The cloud as the fleet needs it. Batch methods take any number of ids and
 * page or chunk internally (1000 instances a describe page, 100 ids a status
 * call, 500 queries a GetMetricData call).
 */
export interface CloudProvider {
  launch(request: LaunchRequest): Promise<CloudInstance>;
  start(target: CloudTarget, instanceId: string): Promise<InstanceStateChange>;
  stop(target: CloudTarget, instanceId: string): Promise<InstanceStateChange>;
  terminate(target: CloudTarget, instanceId: string): Promise<InstanceStateChange>;
  /** Reboots a running instance (EC2 RebootInstances); it stays `running`, its status checks start over. */
  reboot(target: CloudTarget, instanceId: string): Promise<void>;
  /** One instance, or null when EC2 does not know it. */
  describe(target: CloudTarget, instanceId: string): Promise<CloudInstance | null>;
  /** Every instance carrying the fleet tag in the target (all pages). */
  describeFleet(target: CloudTarget): Promise<CloudInstance[]>;
  /** Instances by id, chunked; unknown ids are left out, not thrown. */
  describeMany(target: CloudTarget, instanceIds: readonly string[]): Promise<CloudInstance[]>;
  /** Status checks of the fleet's instances (IncludeAllInstances), all pages. */
  statusChecks(target: CloudTarget, instanceIds: readonly string[]): Promise<InstanceStatusCheck[]>;
  setTags(
    target: CloudTarget,
    instanceIds: readonly string[],
    tags: Readonly<Record<string, string>>,
  ): Promise<void>;
  /** Deletes these tag keys (whatever their values) from the instances (EC2 DeleteTags). */
  deleteTags(target: CloudTarget, instanceIds: readonly string[], keys: readonly string[]): Promise<void>;
  findImages(target: CloudTarget, namePattern: string): Promise<MachineImage[]>;
  metrics(
    target: CloudTarget,
    instanceIds: readonly string[],
    window: MetricWindow,
  ): Promise<Map<string, InstanceMetrics>>;
  publishMetrics(target: CloudTarget, namespace: string, data: readonly CustomMetricDatum[]): Promise<void>;
  /** The EBS volume attached as the instance's root device, or null when it has none (or EC2 does not know it). */
  rootVolumeOf(target: CloudTarget, instanceId: string): Promise<string | null>;
  /** EC2 CreateSnapshot of a volume, tagged at creation. */
  createSnapshot(request: SnapshotRequest): Promise<CloudSnapshot>;
  /** One snapshot of the caller's account, or null when EC2 does not know it. */
  describeSnapshot(target: CloudTarget, snapshotId: string): Promise<CloudSnapshot | null>;
  /** The caller's own snapshots carrying every one of these tags (all pages). */
  findSnapshots(target: CloudTarget, tags: Readonly<Record<string, string>>): Promise<CloudSnapshot[]>;
  /** EC2 DeleteSnapshot; a snapshot already gone is no error. */
  deleteSnapshot(target: CloudTarget, snapshotId: string): Promise<void>;
}
