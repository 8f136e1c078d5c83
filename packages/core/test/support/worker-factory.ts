import {
  DEFAULT_WORKER_IDLE_POLICY,
  NO_IDLE_TRACKING,
  UNKNOWN_LICENSE,
  type Worker,
} from "../../src/domain/worker";

let sequence = 0;

/** A worker as the API creates it (PENDING, heading to RUNNING), with any field overridden. */
export function aWorker(overrides: Partial<Worker> = {}): Worker {
  sequence += 1;
  const at = new Date("2026-01-05T09:00:00Z");
  return {
    id: `w${sequence}`,
    name: `lab-${sequence}`,
    accountId: "default",
    region: "us-east-1",
    instanceType: "c5.2xlarge",
    amiId: "ami-0123456789abcdef0",
    amiName: null,
    cmlVersion: null,
    instanceId: null,
    publicIp: null,
    privateIp: null,
    endpoint: null,
    status: "PENDING",
    desiredStatus: "RUNNING",
    serviceStatus: "UNKNOWN",
    statusReason: null,
    statusChangedAt: at,
    license: UNKNOWN_LICENSE,
    telemetry: null,
    labs: [],
    idle: NO_IDLE_TRACKING,
    idlePolicy: DEFAULT_WORKER_IDLE_POLICY,
    tags: {},
    createdBy: "alice",
    idempotencyKey: null,
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...overrides,
  };
}
