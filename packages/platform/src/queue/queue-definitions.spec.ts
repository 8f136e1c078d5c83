import { systemActor } from "@cml-fleet/core/domain/actor";
import { describe, expect, it } from "vitest";
import { isWorkerKind, jobIdFor, queueConcurrency, WORKER_KINDS, workerIdOf } from "./queue-definitions";

const actor = systemActor("lifecycle");

describe("queue definitions", () => {
  it("gives the operations on one worker its operation slot, and nothing else", () => {
    expect(WORKER_KINDS).toEqual([
      "provision",
      "start",
      "stop",
      "terminate",
      "refresh",
      "register-license",
      "deregister-license",
      "snapshot",
      "reboot",
      "apply-tags",
      "stop-lab",
      "stop-all-labs",
    ]);
    expect(isWorkerKind("import")).toBe(false);
    expect(workerIdOf("stop", { workerId: "w-1", actor, reason: null })).toBe("w-1");
    expect(workerIdOf("import", { accountId: "a", region: "r", instanceIds: null, actor })).toBeNull();
  });

  it("collapses a repeated operation on a worker into one job, and lets BullMQ name the rest", () => {
    expect(jobIdFor("start", { workerId: "w-1", actor })).toBe("start.w-1");
    expect(jobIdFor("reconcile", {})).toBeUndefined();
  });

  it("runs one sweep at a time and the other kinds at the process's concurrency", () => {
    expect(queueConcurrency("telemetry-sweep", 10)).toBe(1);
    expect(queueConcurrency("idle-check", 10)).toBe(1);
    expect(queueConcurrency("reconcile", 10)).toBe(1);
    expect(queueConcurrency("provision", 10)).toBe(10);
    expect(queueConcurrency("import", 10)).toBe(10);
  });

  it("sweeps at most two shards of the telemetry sweep at once per process, leaving the rest to other processes", () => {
    expect(queueConcurrency("telemetry-shard", 10)).toBe(2);
    expect(queueConcurrency("telemetry-shard", 1)).toBe(1);
    expect(queueConcurrency("telemetry-region", 10)).toBe(10);
  });
});
