import { userActor } from "../../src/domain/actor";
import { NO_IDLE_TRACKING, type TelemetrySnapshot, type Worker } from "../../src/domain/worker";
import { createWorker } from "../../src/domain/worker-changes";

/** The instant domain specs count from (`at(minutes)`). */
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

let sequence = 0;

/**
 * A worker as the API creates it (PENDING, heading to RUNNING), with any field
 * overridden. Ids differ per call so that many can share one repository.
 */
export function aWorker(overrides: Partial<Worker> = {}): Worker {
  sequence += 1;
  const { worker } = createWorker({
    id: `w${sequence}`,
    name: `lab-${sequence}`,
    accountId: "default",
    region: "us-east-1",
    instanceType: "c5.2xlarge",
    image: { amiId: null, amiName: null, cmlVersion: null },
    amiId: "ami-0123456789abcdef0",
    tags: {},
    idempotencyKey: null,
    createdBy: "alice",
    actor: userActor("u1", "alice"),
    now: new Date("2026-01-05T09:00:00Z"),
  });
  // As if stored once, and without the reason the creation gives (specs set their own).
  return { ...worker, statusReason: null, version: 1, ...overrides };
}

/** A running, available worker started at T0, with nothing else known (for domain specs). */
export function aRunningWorker(overrides: Partial<Worker> = {}): Worker {
  return aWorker({
    id: "wkr_01",
    name: "lab-a",
    amiId: "ami-0a1b2c3d4e5f60701",
    amiName: "CML-2.8.1-Ubuntu-22.04",
    cmlVersion: "2.8.1",
    instanceId: "i-0123456789abcdef0",
    publicIp: "203.0.113.7",
    privateIp: "10.0.0.7",
    endpoint: "https://203.0.113.7:443",
    status: "RUNNING",
    serviceStatus: "AVAILABLE",
    statusChangedAt: T0,
    idle: { ...NO_IDLE_TRACKING, lastStartedAt: T0 },
    createdBy: "ada",
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  });
}
