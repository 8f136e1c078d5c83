import type { TelemetrySnapshot, Worker } from "../../src/domain/worker";
import { DEFAULT_WORKER_IDLE_POLICY, NO_IDLE_TRACKING, UNKNOWN_LICENSE } from "../../src/domain/worker";

export const T0 = new Date("2026-01-05T08:00:00.000Z");

export function at(minutesAfterT0: number): Date {
  return new Date(T0.getTime() + minutesAfterT0 * 60_000);
}

export function telemetry(overrides: Partial<TelemetrySnapshot> = {}): TelemetrySnapshot {
  return {
    sampledAt: T0,
    cpuPercent: 3,
    memoryPercent: 20,
    networkInBytes: 1_000,
    networkOutBytes: 1_000,
    runningNodes: 0,
    startedLabs: 0,
    cmlReachable: true,
    instanceStatusCheck: "ok",
    systemStatusCheck: "ok",
    ...overrides,
  };
}

/** A running, available worker started at T0, with nothing else known. */
export function aWorker(overrides: Partial<Worker> = {}): Worker {
  return {
    id: "wkr_01",
    name: "lab-a",
    accountId: "default",
    region: "us-east-1",
    instanceType: "c5.2xlarge",
    amiId: "ami-0a1b2c3d4e5f60701",
    amiName: "CML-2.8.1-Ubuntu-22.04",
    cmlVersion: "2.8.1",
    instanceId: "i-0123456789abcdef0",
    publicIp: "203.0.113.7",
    privateIp: "10.0.0.7",
    endpoint: "https://203.0.113.7:443",
    status: "RUNNING",
    desiredStatus: "RUNNING",
    serviceStatus: "AVAILABLE",
    statusReason: null,
    statusChangedAt: T0,
    license: UNKNOWN_LICENSE,
    telemetry: null,
    labs: [],
    idle: { ...NO_IDLE_TRACKING, lastStartedAt: T0 },
    idlePolicy: DEFAULT_WORKER_IDLE_POLICY,
    tags: {},
    createdBy: "ada",
    idempotencyKey: null,
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    ...overrides,
  };
}
