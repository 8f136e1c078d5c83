import { randomUUID } from "node:crypto";
import { userActor } from "@cml-fleet/core/domain/actor";
import type { NewFleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type { TelemetrySample } from "@cml-fleet/core/ports/worker-repository.port";
import { aWorker as aDomainWorker, telemetry } from "../../../core/test/support/worker-factory";

const BASE_TIME = Date.UTC(2026, 0, 1, 12, 0, 0);

/**
 * A worker for the database and the API: the domain specs' worker with a
 * random id, and `n` spreading creation times (and names) so order is predictable.
 */
export function aWorker(overrides: Partial<Worker> = {}, n = 0): Worker {
  const createdAt = new Date(BASE_TIME + n * 1000);
  return aDomainWorker({
    id: randomUUID(),
    name: `worker-${n}`,
    amiName: "cml-2.8",
    statusChangedAt: createdAt,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  });
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

/** A telemetry sample `minute` minutes after the base time, its cpuPercent the minute. */
export function aSample(
  workerId: string,
  minute: number,
  overrides: Partial<TelemetrySample> = {},
): TelemetrySample {
  return {
    workerId,
    ...telemetry({
      sampledAt: new Date(BASE_TIME + minute * 60_000),
      cpuPercent: minute,
      memoryPercent: 50,
      networkInBytes: 1000,
      networkOutBytes: 2000,
      runningNodes: 3,
      startedLabs: 1,
    }),
    ...overrides,
  };
}
