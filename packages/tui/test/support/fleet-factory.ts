import type { FleetEvent, Job, SnapshotWorker, Telemetry, Worker } from "../../src/data/fleet-types";

type DeepPartialWorker = Partial<Omit<Worker, "idle" | "cost" | "license" | "telemetry">> & {
  /** null: no sample yet; an object: fields over the default sample. */
  telemetry?: Partial<Telemetry> | null;
  idle?: Partial<Worker["idle"]>;
  cost?: Partial<Worker["cost"]>;
  license?: Partial<Worker["license"]>;
};

let sequence = 0;

export const T0 = Date.parse("2026-11-27T10:00:00.000Z");

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A running worker with sensible defaults; override what the test is about. */
export function aWorker(overrides: DeepPartialWorker = {}): Worker {
  sequence += 1;
  const id = overrides.id ?? `w-${String(sequence).padStart(4, "0")}`;
  const { idle, cost, license, telemetry, ...rest } = overrides;
  return {
    id,
    name: `worker-${sequence}`,
    region: "us-east-1",
    instanceType: "c5.2xlarge",
    amiId: "ami-0123456789",
    amiName: "cml-2.8",
    cmlVersion: "2.8.0",
    instanceId: `i-${id}`,
    publicIp: "127.1.0.1",
    privateIp: "10.0.0.1",
    endpoint: "https://127.1.0.1:8443",
    status: "RUNNING",
    desiredStatus: "RUNNING",
    statusReason: null,
    serviceStatus: "AVAILABLE",
    serviceStatusReason: null,
    license: { status: "REGISTERED", nodeLimit: 20, nodesInUse: 4, ...license },
    telemetry:
      telemetry === null
        ? null
        : {
            sampledAt: iso(T0),
            cpuPercent: 42,
            memoryPercent: 30,
            runningNodes: 4,
            startedLabs: 1,
            ...telemetry,
          },
    statusChecks: { system: "ok", instance: "ok", checkedAt: iso(T0) },
    labs: [{ id: "lab-1", title: "OSPF lab", state: "STARTED" }],
    idle: {
      enabled: true,
      thresholdMinutes: 60,
      isIdle: false,
      lastActivityAt: iso(T0 - 60_000),
      idleSince: null,
      autoStopAt: null,
      keepAliveUntil: null,
      ...idle,
    },
    cost: { hourlyRate: 0.34, accrued: 1.2, savedByAutoStop: 0, ...cost },
    tags: [{ key: "team", value: "netops" }],
    activeJob: null,
    owner: null,
    schedule: null,
    nextScheduledAction: null,
    createdBy: "alice",
    createdAt: iso(T0 - 3_600_000),
    updatedAt: iso(T0),
    ...rest,
  };
}

export function aSnapshotWorker(
  overrides: DeepPartialWorker = {},
  cpuHistory: number[] = [],
): SnapshotWorker {
  const worker = aWorker(overrides);
  return {
    ...worker,
    recentTelemetry: cpuHistory.map((cpu, index) => ({
      sampledAt: iso(T0 - (cpuHistory.length - index) * 60_000),
      cpuPercent: cpu,
      memoryPercent: null,
      runningNodes: null,
      startedLabs: null,
    })),
  };
}

export function aJob(overrides: Partial<Job> = {}): Job {
  sequence += 1;
  return {
    id: `job-${sequence}`,
    name: "start",
    workerId: null,
    state: "ACTIVE",
    progress: 0.5,
    step: "waiting for CML ready",
    attempts: 1,
    failedReason: null,
    createdAt: iso(T0),
    finishedAt: null,
    ...overrides,
  };
}

export function anEvent(overrides: Partial<FleetEvent> = {}): FleetEvent {
  sequence += 1;
  return {
    id: `ev-${sequence}`,
    type: "worker.status-changed",
    workerId: null,
    at: iso(T0),
    message: "status changed",
    actor: "system",
    ...overrides,
  };
}
