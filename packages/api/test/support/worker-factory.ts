import { randomUUID } from "node:crypto";
import { userActor } from "@cml-fleet/core/domain/actor";
import type { NewFleetEvent } from "@cml-fleet/core/domain/fleet-event";
import {
  DEFAULT_WORKER_IDLE_POLICY,
  NO_IDLE_TRACKING,
  UNKNOWN_LICENSE,
  type Worker,
} from "@cml-fleet/core/domain/worker";
import type { TelemetrySample } from "@cml-fleet/core/ports/worker-repository.port";

const BASE_TIME = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A worker with plausible defaults; `n` spreads creation times so order is predictable. */
export function aWorker(overrides: Partial<Worker> = {}, n = 0): Worker {
  const createdAt = new Date(BASE_TIME + n * 1000);
  return {
    id: randomUUID(),
    name: `worker-${n}`,
    accountId: "default",
    region: "us-east-1",
    instanceType: "c5.2xlarge",
    amiId: "ami-0123456789abcdef0",
    amiName: "cml-2.8",
    cmlVersion: null,
    instanceId: null,
    publicIp: null,
    privateIp: null,
    endpoint: null,
    status: "PENDING",
    desiredStatus: "RUNNING",
    serviceStatus: "UNKNOWN",
    statusReason: null,
    statusChangedAt: createdAt,
    license: UNKNOWN_LICENSE,
    telemetry: null,
    labs: [],
    idle: NO_IDLE_TRACKING,
    idlePolicy: DEFAULT_WORKER_IDLE_POLICY,
    tags: {},
    createdBy: "alice",
    idempotencyKey: null,
    createdAt,
    updatedAt: createdAt,
    version: 1,
    ...overrides,
  };
}

export function anEvent(overrides: Partial<NewFleetEvent> = {}): NewFleetEvent {
  return {
    type: "worker.created",
    workerId: null,
    at: new Date(BASE_TIME),
    message: "created",
    reason: null,
    actor: userActor("u1", "alice"),
    data: {},
    ...overrides,
  };
}

export function aSample(
  workerId: string,
  minute: number,
  overrides: Partial<TelemetrySample> = {},
): TelemetrySample {
  return {
    workerId,
    sampledAt: new Date(BASE_TIME + minute * 60_000),
    cpuPercent: minute,
    memoryPercent: 50,
    networkInBytes: 1000,
    networkOutBytes: 2000,
    runningNodes: 3,
    startedLabs: 1,
    cmlReachable: true,
    instanceStatusCheck: "ok",
    systemStatusCheck: "ok",
    ...overrides,
  };
}
