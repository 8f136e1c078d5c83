/**
 * The status vocabularies of a CML worker, as the public contract names them,
 * and the mapping from EC2's instance states.
 */

export const WORKER_STATUSES = [
  "PENDING",
  "RUNNING",
  "STOPPING",
  "STOPPED",
  "SHUTTING_DOWN",
  "TERMINATED",
  "FAILED",
  "UNKNOWN",
] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

/** What the operator asked for; the jobs converge `status` towards it. */
export const DESIRED_STATUSES = ["RUNNING", "STOPPED", "TERMINATED"] as const;
export type DesiredStatus = (typeof DESIRED_STATUSES)[number];

/** Health of the CML controller on the worker, as seen over HTTPS. */
export const SERVICE_STATUSES = ["UNKNOWN", "UNAVAILABLE", "STARTING", "AVAILABLE", "ERROR"] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

export const LICENSE_STATUSES = [
  "UNKNOWN",
  "UNREGISTERED",
  "REGISTERING",
  "REGISTERED",
  "DEREGISTERING",
  "EVALUATION",
  "EXPIRED",
  "INVALID",
] as const;
export type LicenseStatus = (typeof LICENSE_STATUSES)[number];

export const EC2_INSTANCE_STATES = [
  "pending",
  "running",
  "shutting-down",
  "terminated",
  "stopping",
  "stopped",
] as const;
export type Ec2InstanceState = (typeof EC2_INSTANCE_STATES)[number];

const EC2_TO_WORKER_STATUS: Record<Ec2InstanceState, WorkerStatus> = {
  pending: "PENDING",
  running: "RUNNING",
  "shutting-down": "SHUTTING_DOWN",
  terminated: "TERMINATED",
  stopping: "STOPPING",
  stopped: "STOPPED",
};

/** Maps an EC2 state name to a worker status; anything EC2 may add later is UNKNOWN. */
export function workerStatusFromEc2(state: string): WorkerStatus {
  return isEc2InstanceState(state) ? EC2_TO_WORKER_STATUS[state] : "UNKNOWN";
}

export function isEc2InstanceState(value: string): value is Ec2InstanceState {
  return (EC2_INSTANCE_STATES as readonly string[]).includes(value);
}

/** EC2's numeric state codes (the low byte of `instanceState.code`). */
export const EC2_STATE_CODES: Record<Ec2InstanceState, number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};
