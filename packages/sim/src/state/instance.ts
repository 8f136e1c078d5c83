import { randomBytes } from "node:crypto";

export const INSTANCE_STATE_CODES = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
} as const;

export type InstanceStateName = keyof typeof INSTANCE_STATE_CODES;

export interface StateReason {
  readonly code: string;
  readonly message: string;
}

/** One simulated EC2 instance; mutable fields change only through the lifecycle service. */
export interface SimInstance {
  readonly instanceId: string;
  /** Launch order; paging walks instances by it. */
  readonly seq: number;
  readonly region: string;
  readonly reservationId: string;
  readonly ownerId: string;
  readonly imageId: string;
  readonly instanceType: string;
  readonly launchTime: Date;
  readonly amiLaunchIndex: number;
  readonly clientToken: string | null;
  readonly keyName: string | null;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly securityGroupIds: readonly string[];
  readonly availabilityZone: string;
  readonly detailedMonitoring: boolean;
  /** The loopback address its CML API listens on; reported as the public IP when it has one. */
  readonly loopbackIp: string;
  readonly hasPublicIp: boolean;
  readonly privateIp: string;
  state: InstanceStateName;
  stateReason: StateReason | null;
  stateTransitionReason: string;
  /** Epoch ms it last entered `running`, null while not running. */
  runningSince: number | null;
  readonly tags: Map<string, string>;
}

export function publicIpOf(instance: SimInstance): string | null {
  const visible = instance.state !== "terminated" && instance.state !== "shutting-down";
  return instance.hasPublicIp && visible ? instance.loopbackIp : null;
}

export function newInstanceId(): string {
  return `i-${randomBytes(9).toString("hex").slice(0, 17)}`;
}

export function newReservationId(): string {
  return `r-${randomBytes(9).toString("hex").slice(0, 17)}`;
}

export function newRequestId(): string {
  const hex = randomBytes(16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;

export function isWellFormedInstanceId(id: string): boolean {
  return INSTANCE_ID.test(id);
}
