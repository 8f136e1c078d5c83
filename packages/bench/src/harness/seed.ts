import { randomUUID } from "node:crypto";
import {
  DEFAULT_WORKER_IDLE_POLICY,
  NO_IDLE_TRACKING,
  UNKNOWN_LICENSE,
  type Worker,
} from "@cml-fleet/core/domain/worker";
import type { Db } from "@cml-fleet/platform/db/database";
import { workers as workersTable } from "@cml-fleet/platform/db/schema/workers";
import { toNewWorkerRow } from "@cml-fleet/platform/repositories/worker-row.mapper";

const SEED_TIME = Date.UTC(2026, 10, 1, 8, 0, 0);
const INSERT_BATCH = 1_000;

/** A worker as the fleet would hold it after provisioning; `index` spreads names and creation times. */
export function seedWorker(index: number, overrides: Partial<Worker> = {}): Worker {
  const createdAt = new Date(SEED_TIME + index * 1000);
  return {
    id: randomUUID(),
    name: `bench-${String(index).padStart(5, "0")}`,
    accountId: "default",
    region: index % 2 === 0 ? "us-east-1" : "us-west-2",
    instanceType: "m5zn.metal",
    amiId: "ami-0bench000000000000",
    amiName: "CML-2.9.0-Ubuntu-22.04",
    cmlVersion: "2.9.0",
    instanceId: null,
    publicIp: null,
    privateIp: null,
    endpoint: null,
    status: "RUNNING",
    desiredStatus: "RUNNING",
    serviceStatus: "AVAILABLE",
    statusReason: null,
    statusChangedAt: createdAt,
    license: UNKNOWN_LICENSE,
    telemetry: null,
    labs: [],
    idle: NO_IDLE_TRACKING,
    idlePolicy: DEFAULT_WORKER_IDLE_POLICY,
    tags: {},
    createdBy: "bench",
    idempotencyKey: null,
    createdAt,
    updatedAt: createdAt,
    version: 1,
    ...overrides,
  };
}

/** A worker with every nested field the API resolves filled in (telemetry, license, idle, tags). */
export function richWorker(index: number): Worker {
  const base = seedWorker(index);
  const sampledAt = new Date(SEED_TIME + 3_600_000);
  return {
    ...base,
    instanceId: `i-${index.toString(16).padStart(17, "0")}`,
    publicIp: `127.9.${(index >> 8) & 255}.${index & 255}`,
    privateIp: `10.0.${(index >> 8) & 255}.${index & 255}`,
    endpoint: `https://127.9.${(index >> 8) & 255}.${index & 255}:8443`,
    status: index % 10 === 0 ? "STOPPED" : "RUNNING",
    license: { status: "REGISTERED", nodeLimit: 20, nodesInUse: index % 7, checkedAt: sampledAt },
    telemetry: {
      sampledAt,
      cpuPercent: (index * 7) % 100,
      memoryPercent: (index * 3) % 100,
      networkInBytes: index * 1000,
      networkOutBytes: index * 500,
      runningNodes: index % 7,
      startedLabs: index % 3,
      cmlReachable: true,
      instanceStatusCheck: "ok",
      systemStatusCheck: "ok",
    },
    idle: { ...NO_IDLE_TRACKING, lastActivityAt: new Date(SEED_TIME + 1_800_000) },
    tags: {
      team: `team-${index % 20}`,
      course: index % 2 === 0 ? "ccna" : "ccnp",
      owner: `user-${index % 300}`,
    },
  };
}

/** Inserts workers in multi-row statements of 1,000 (seeding through `insert` one by one would take minutes). */
export async function insertWorkers(db: Db, workers: readonly Worker[]): Promise<void> {
  for (let start = 0; start < workers.length; start += INSERT_BATCH) {
    const batch = workers.slice(start, start + INSERT_BATCH);
    await db.insert(workersTable).values(batch.map(toNewWorkerRow));
  }
}
