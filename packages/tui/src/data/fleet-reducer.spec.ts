import { describe, expect, it } from "vitest";
import { aSnapshotWorker, aWorker, iso, T0 } from "../../test/support/fleet-factory";
import {
  CPU_HISTORY_LENGTH,
  EVENT_LOG_LENGTH,
  type FleetState,
  fleetReducer,
  initialFleetState,
} from "./fleet-reducer";
import type { Worker } from "./fleet-types";

function apply(...actions: Parameters<typeof fleetReducer>[1][]): FleetState {
  return actions.reduce(fleetReducer, initialFleetState);
}

function withCpu(worker: Worker, cpu: number, at: number): Worker {
  return {
    ...worker,
    updatedAt: iso(at),
    telemetry: { sampledAt: iso(at), cpuPercent: cpu, memoryPercent: null, runningNodes: 0, startedLabs: 0 },
  };
}

describe("fleetReducer", () => {
  it("loads a snapshot and marks the fleet loaded", () => {
    const state = apply({ type: "snapshot-loaded", workers: [aSnapshotWorker({ id: "a" }, [10, 20])] });
    expect(state.loaded).toBe(true);
    expect(state.workers.get("a")?.cpu.map((s) => s.cpu)).toEqual([10, 20]);
    expect(state.workers.get("a")?.worker).not.toHaveProperty("recentTelemetry");
  });

  it("keeps the newest updatedAt whichever of snapshot and stream arrives first", () => {
    const streamed = aWorker({ id: "a", status: "STOPPING", updatedAt: iso(T0 + 10_000) });
    const stale = aSnapshotWorker({ id: "a", status: "RUNNING", updatedAt: iso(T0) });
    const streamFirst = apply(
      { type: "workers-changed", workers: [streamed] },
      { type: "snapshot-loaded", workers: [stale] },
    );
    expect(streamFirst.workers.get("a")?.worker.status).toBe("STOPPING");
    const snapshotFirst = apply(
      { type: "snapshot-loaded", workers: [stale] },
      { type: "workers-changed", workers: [streamed] },
    );
    expect(snapshotFirst.workers.get("a")?.worker.status).toBe("STOPPING");
  });

  it("applies a batch in order, so the last of several updates to one worker wins", () => {
    const base = aWorker({ id: "a" });
    const state = apply({
      type: "workers-changed",
      workers: [
        { ...base, status: "STOPPING", updatedAt: iso(T0 + 1) },
        { ...base, status: "STOPPED", updatedAt: iso(T0 + 2) },
        { ...base, status: "RUNNING", updatedAt: iso(T0 + 1) },
      ],
    });
    expect(state.workers.get("a")?.worker.status).toBe("STOPPED");
  });

  it("appends streamed CPU samples to the snapshot's history, without duplicates, up to the limit", () => {
    const snapshot = aSnapshotWorker({ id: "a", updatedAt: iso(T0) }, [5]);
    let state = apply({ type: "snapshot-loaded", workers: [snapshot] });
    for (let i = 1; i <= CPU_HISTORY_LENGTH + 5; i += 1) {
      state = fleetReducer(state, {
        type: "workers-changed",
        workers: [withCpu(snapshot, i, T0 + i * 1000)],
      });
    }
    state = fleetReducer(state, {
      type: "workers-changed",
      workers: [withCpu(snapshot, 99, T0 + (CPU_HISTORY_LENGTH + 5) * 1000)],
    });
    const cpu = state.workers.get("a")?.cpu.map((s) => s.cpu) ?? [];
    expect(cpu).toHaveLength(CPU_HISTORY_LENGTH);
    expect(cpu.at(-1)).toBe(99);
    expect(cpu[0]).toBe(6);
  });

  it("keeps events newest first, once each, and bounded", () => {
    const events = Array.from({ length: EVENT_LOG_LENGTH + 10 }, (_, i) => ({
      id: `e${i}`,
      type: "t",
      workerId: null,
      at: iso(T0 + i * 1000),
      message: `m${i}`,
      actor: "system",
    }));
    const state = apply(
      { type: "events-received", events: events.slice(0, 50) },
      { type: "events-received", events },
    );
    expect(state.events).toHaveLength(EVENT_LOG_LENGTH);
    expect(state.events[0]?.id).toBe(`e${EVENT_LOG_LENGTH + 9}`);
    expect(new Set(state.events.map((e) => e.id)).size).toBe(EVENT_LOG_LENGTH);
  });

  it("replaces a job by id when it is updated", () => {
    const job = {
      id: "j1",
      name: "start",
      workerId: "a",
      state: "ACTIVE" as const,
      progress: 0.1,
      step: null,
      attempts: 1,
      failedReason: null,
      createdAt: iso(T0),
      finishedAt: null,
    };
    const state = apply(
      { type: "jobs-changed", jobs: [job] },
      { type: "jobs-changed", jobs: [{ ...job, state: "COMPLETED", progress: 1 }] },
    );
    expect([...state.jobs.values()]).toEqual([{ ...job, state: "COMPLETED", progress: 1 }]);
  });
});
