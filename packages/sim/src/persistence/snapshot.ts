import type { CmlEvent, CmlIdentity, CmlLab, RegistrationStatus } from "../cml/cml-controller";
import type { CmlService } from "../cml/cml-service";
import type { EbsSnapshot, EbsSnapshotStore } from "../ebs/ebs-snapshot";
import type { SimInstance } from "../state/instance";
import type { InstanceStore } from "../state/instance-store";

/** Bumped whenever the shape changes; a snapshot of another version is not restored. */
export const SNAPSHOT_VERSION = 1;

/**
 * An instance as the file keeps it: its own fields, with the date as text and
 * the tags as pairs. Derived from SimInstance so that a new instance field
 * cannot be forgotten here: capture and parse stop compiling until they carry
 * it (and SNAPSHOT_VERSION is bumped). `runningSince` is left out: a restored
 * instance counts as just booted.
 */
export interface InstanceSnapshot
  extends Readonly<Omit<SimInstance, "launchTime" | "runningSince" | "tags">> {
  /** ISO 8601. */
  readonly launchTime: string;
  /** Pairs rather than an object, so any tag key (even `__proto__`) survives. */
  readonly tags: readonly (readonly [string, string])[];
}

export interface CmlControllerSnapshot extends CmlIdentity {
  readonly instanceId: string;
  readonly reachable: boolean;
  readonly healthy: boolean;
  readonly runningNodes: number;
  readonly labs: readonly CmlLab[];
  readonly events: readonly CmlEvent[];
  readonly registration: RegistrationStatus;
  readonly registeredAt: number | null;
  readonly registerCalls: number;
  readonly deregisterCalls: number;
}

export interface ClientTokenSnapshot {
  readonly region: string;
  readonly token: string;
  readonly fingerprint: string;
  readonly reservationId: string;
}

/** An EBS snapshot as the file keeps it: tags as pairs (as for instances). */
export interface EbsSnapshotRecord extends Readonly<Omit<EbsSnapshot, "tags">> {
  readonly tags: readonly (readonly [string, string])[];
}

/** What a simulator keeps across a restart: the EC2 side and every CML controller. */
export interface SimSnapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  /** ISO 8601, for people reading the file. */
  readonly savedAt: string;
  /** The block the addresses were allocated from, reused on restore unless another is configured. */
  readonly ipBlock: number;
  readonly instances: readonly InstanceSnapshot[];
  readonly clientTokens: readonly ClientTokenSnapshot[];
  readonly controllers: readonly CmlControllerSnapshot[];
  /** Every account's EBS snapshots, labs included (absent in files written before they existed). */
  readonly ebsSnapshots: readonly EbsSnapshotRecord[];
}

/** Captures the simulator's state as plain data (call it with the scheduler stopped, so nothing moves). */
export function captureSnapshot(deps: {
  readonly store: InstanceStore;
  readonly cml: CmlService;
  readonly ebs: EbsSnapshotStore;
  readonly ipBlock: number;
  readonly now: number;
}): SimSnapshot {
  const instances = deps.store.all().map(
    (instance): InstanceSnapshot => ({
      instanceId: instance.instanceId,
      seq: instance.seq,
      region: instance.region,
      reservationId: instance.reservationId,
      ownerId: instance.ownerId,
      imageId: instance.imageId,
      instanceType: instance.instanceType,
      launchTime: instance.launchTime.toISOString(),
      amiLaunchIndex: instance.amiLaunchIndex,
      clientToken: instance.clientToken,
      keyName: instance.keyName,
      subnetId: instance.subnetId,
      vpcId: instance.vpcId,
      securityGroupIds: [...instance.securityGroupIds],
      availabilityZone: instance.availabilityZone,
      detailedMonitoring: instance.detailedMonitoring,
      loopbackIp: instance.loopbackIp,
      hasPublicIp: instance.hasPublicIp,
      privateIp: instance.privateIp,
      state: instance.state,
      stateReason: instance.stateReason,
      stateTransitionReason: instance.stateTransitionReason,
      tags: [...instance.tags],
    }),
  );
  const controllers: CmlControllerSnapshot[] = [];
  for (const [instanceId, controller] of deps.cml.entries()) {
    if (deps.store.get(instanceId) === undefined) {
      continue;
    }
    controllers.push({
      instanceId,
      serviceUserId: controller.serviceUserId,
      studentUserId: controller.studentUserId,
      computeId: controller.computeId,
      reachable: controller.reachable,
      healthy: controller.healthy,
      runningNodes: controller.runningNodes,
      labs: [...controller.labs.values()].map((lab) => ({ ...lab })),
      events: [...controller.events],
      registration: controller.registration,
      registeredAt: controller.registeredAt,
      registerCalls: controller.registerCalls,
      deregisterCalls: controller.deregisterCalls,
    });
  }
  return {
    version: SNAPSHOT_VERSION,
    savedAt: new Date(deps.now).toISOString(),
    ipBlock: deps.ipBlock,
    instances,
    clientTokens: [...deps.store.clientTokenEntries()],
    controllers,
    ebsSnapshots: deps.ebs.all().map((snapshot) => ({
      ...snapshot,
      labs: snapshot.labs.map((lab) => ({ ...lab })),
      tags: [...snapshot.tags],
    })),
  };
}
