import { defaultSecurityGroupId, defaultSubnetId, defaultVpcId } from "../network/sim-network";
import { newInstanceId, newReservationId, type SimInstance } from "./instance";
import type { SimState } from "./sim-state";

export interface LaunchSpec {
  readonly region: string;
  readonly imageId: string;
  readonly instanceType: string;
  readonly tags: ReadonlyMap<string, string>;
  readonly clientToken: string | null;
  readonly keyName: string | null;
  readonly subnetId: string | null;
  readonly securityGroupIds: readonly string[];
  readonly assignPublicIp: boolean;
  readonly detailedMonitoring: boolean;
}

/** Creates `count` pending instances in one reservation and starts their boot. */
export function launchInstances(state: SimState, spec: LaunchSpec, count: number): SimInstance[] {
  const reservationId = newReservationId();
  const launchTime = new Date(Math.floor(state.now() / 1000) * 1000);
  const instances: SimInstance[] = [];
  for (let index = 0; index < count; index++) {
    const { loopbackIp, privateIp } = state.ips.allocate();
    const instance: SimInstance = {
      instanceId: unusedInstanceId(state),
      seq: state.store.nextSeq(),
      region: spec.region,
      reservationId,
      ownerId: state.accountId,
      imageId: spec.imageId,
      instanceType: spec.instanceType,
      launchTime,
      amiLaunchIndex: index,
      clientToken: spec.clientToken,
      keyName: spec.keyName,
      subnetId: spec.subnetId ?? defaultSubnetId(spec.region),
      vpcId: defaultVpcId(spec.region),
      securityGroupIds:
        spec.securityGroupIds.length > 0 ? spec.securityGroupIds : [defaultSecurityGroupId(spec.region)],
      availabilityZone: `${spec.region}a`,
      detailedMonitoring: spec.detailedMonitoring,
      loopbackIp,
      hasPublicIp: spec.assignPublicIp,
      privateIp,
      state: "pending",
      stateReason: null,
      stateTransitionReason: "",
      runningSince: null,
      tags: new Map(spec.tags),
    };
    state.lifecycle.launch(instance);
    instances.push(instance);
  }
  return instances;
}

/** Ids are random; a restored simulator must still never hand out one it already holds. */
function unusedInstanceId(state: SimState): string {
  let id = newInstanceId();
  while (state.store.get(id) !== undefined) {
    id = newInstanceId();
  }
  return id;
}
