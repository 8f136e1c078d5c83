import type { Ec2InstanceState } from "../../src/domain/worker-status";
import { CloudError } from "../../src/errors";
import type {
  CloudInstance,
  CloudProvider,
  CloudSnapshot,
  CloudTarget,
  CustomMetricDatum,
  InstanceMetrics,
  InstanceStateChange,
  InstanceStatusCheck,
  LaunchRequest,
  SnapshotRequest,
} from "../../src/ports/cloud-provider.port";

/** Transitional states advance one step each time the instance is described, like time passing. */
const SETTLES_TO: Partial<Record<Ec2InstanceState, Ec2InstanceState>> = {
  pending: "running",
  stopping: "stopped",
  "shutting-down": "terminated",
};

/** An in-memory EC2 + CloudWatch that counts calls. */
export class FakeCloudProvider implements CloudProvider {
  readonly instances = new Map<string, CloudInstance>();
  readonly byToken = new Map<string, string>();
  readonly calls: Record<string, number> = {};
  readonly published: CustomMetricDatum[] = [];
  /** Errors thrown by the next calls of a method, in order. */
  readonly failures: Partial<Record<keyof CloudProvider, Error[]>> = {};
  private nextId = 1;

  private count(method: keyof CloudProvider): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    const failure = this.failures[method]?.shift();
    if (failure !== undefined) {
      throw failure;
    }
  }

  private settle(instance: CloudInstance): CloudInstance {
    const next = SETTLES_TO[instance.state];
    if (next === undefined) {
      return instance;
    }
    const settled = { ...instance, state: next };
    this.instances.set(instance.instanceId, settled);
    return settled;
  }

  private change(instanceId: string, state: Ec2InstanceState): InstanceStateChange {
    const instance = this.instances.get(instanceId);
    if (instance === undefined) {
      throw new CloudError("not-found", "ec2", "InvalidInstanceID.NotFound", `${instanceId} not found`, null);
    }
    this.instances.set(instanceId, { ...instance, state });
    return { instanceId, previousState: instance.state, currentState: state };
  }

  /** Adds an instance directly, as if someone launched it outside the fleet. */
  add(instance: Partial<CloudInstance> & { region: string }): CloudInstance {
    const id = `i-${String(this.nextId++).padStart(8, "0")}`;
    const created: CloudInstance = {
      instanceId: id,
      state: "running",
      stateReason: null,
      instanceType: "c5.2xlarge",
      imageId: "ami-0123456789abcdef0",
      publicIp: `203.0.113.${this.nextId}`,
      privateIp: `10.0.0.${this.nextId}`,
      launchTime: new Date("2026-01-05T08:00:00Z"),
      tags: {},
      monitoring: "basic",
      ...instance,
    };
    this.instances.set(id, created);
    return created;
  }

  async launch(request: LaunchRequest) {
    this.count("launch");
    const existing = this.byToken.get(request.clientToken);
    if (existing !== undefined) {
      return this.instances.get(existing) as CloudInstance;
    }
    const instance = this.add({
      region: request.target.region,
      state: "pending",
      instanceType: request.instanceType,
      imageId: request.imageId,
      tags: request.tags,
    });
    this.byToken.set(request.clientToken, instance.instanceId);
    return instance;
  }
  async start(_target: CloudTarget, instanceId: string) {
    this.count("start");
    return this.change(instanceId, "pending");
  }
  async stop(_target: CloudTarget, instanceId: string) {
    this.count("stop");
    return this.change(instanceId, "stopping");
  }
  async terminate(_target: CloudTarget, instanceId: string) {
    this.count("terminate");
    return this.change(instanceId, "shutting-down");
  }
  async reboot(_target: CloudTarget, _instanceId: string) {
    this.count("reboot");
  }
  async describe(_target: CloudTarget, instanceId: string) {
    this.count("describe");
    const instance = this.instances.get(instanceId);
    return instance === undefined ? null : this.settle(instance);
  }
  async describeFleet(target: CloudTarget) {
    this.count("describeFleet");
    return [...this.instances.values()].filter(
      (instance) => instance.region === target.region && instance.tags["cml-fleet:managed"] === "true",
    );
  }
  async describeMany(target: CloudTarget, instanceIds: readonly string[]) {
    this.count("describeMany");
    return instanceIds.flatMap((id) => {
      const instance = this.instances.get(id);
      return instance !== undefined && instance.region === target.region ? [instance] : [];
    });
  }
  async statusChecks(_target: CloudTarget, instanceIds: readonly string[]): Promise<InstanceStatusCheck[]> {
    this.count("statusChecks");
    return instanceIds.flatMap((id) => {
      const instance = this.instances.get(id);
      return instance === undefined
        ? []
        : [{ instanceId: id, state: instance.state, instanceStatus: "ok", systemStatus: "ok" }];
    });
  }
  async setTags(
    _target: CloudTarget,
    instanceIds: readonly string[],
    tags: Readonly<Record<string, string>>,
  ) {
    this.count("setTags");
    for (const id of instanceIds) {
      const instance = this.instances.get(id);
      if (instance !== undefined) {
        this.instances.set(id, { ...instance, tags: { ...instance.tags, ...tags } });
      }
    }
  }
  async deleteTags(_target: CloudTarget, instanceIds: readonly string[], keys: readonly string[]) {
    this.count("deleteTags");
    for (const id of instanceIds) {
      const instance = this.instances.get(id);
      if (instance !== undefined) {
        const tags = Object.fromEntries(Object.entries(instance.tags).filter(([key]) => !keys.includes(key)));
        this.instances.set(id, { ...instance, tags });
      }
    }
  }
  async findImages() {
    this.count("findImages");
    return [];
  }
  async metrics(_target: CloudTarget, instanceIds: readonly string[]) {
    this.count("metrics");
    return new Map<string, InstanceMetrics>(
      instanceIds.map((id) => [
        id,
        { cpuPercent: 2, memoryPercent: null, networkInBytes: 100, networkOutBytes: 100 },
      ]),
    );
  }
  async publishMetrics(_target: CloudTarget, _namespace: string, data: readonly CustomMetricDatum[]) {
    this.count("publishMetrics");
    this.published.push(...data);
  }

  readonly snapshots = new Map<string, CloudSnapshot>();
  async rootVolumeOf(_target: CloudTarget, instanceId: string) {
    this.count("rootVolumeOf");
    return this.instances.has(instanceId) ? `vol-${instanceId.slice(2)}` : null;
  }
  async createSnapshot(request: SnapshotRequest) {
    this.count("createSnapshot");
    const snapshot: CloudSnapshot = {
      snapshotId: `snap-${String(this.snapshots.size + 1).padStart(8, "0")}`,
      volumeId: request.volumeId,
      state: "completed",
      progressPercent: 100,
      sizeGiB: 64,
      description: request.description,
      startTime: new Date("2026-01-05T08:00:00Z"),
      tags: request.tags,
    };
    this.snapshots.set(snapshot.snapshotId, snapshot);
    return snapshot;
  }
  async describeSnapshot(_target: CloudTarget, snapshotId: string) {
    this.count("describeSnapshot");
    return this.snapshots.get(snapshotId) ?? null;
  }
  async findSnapshots(_target: CloudTarget, tags: Readonly<Record<string, string>>) {
    this.count("findSnapshots");
    return [...this.snapshots.values()].filter((snapshot) =>
      Object.entries(tags).every(([key, value]) => snapshot.tags[key] === value),
    );
  }
  async deleteSnapshot(_target: CloudTarget, snapshotId: string) {
    this.count("deleteSnapshot");
    this.snapshots.delete(snapshotId);
  }

  stateOf(instanceId: string | null): Ec2InstanceState | undefined {
    return instanceId === null ? undefined : this.instances.get(instanceId)?.state;
  }
}
