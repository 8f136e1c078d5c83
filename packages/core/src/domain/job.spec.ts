import { describe, expect, it } from "vitest";
import { JOB_KIND_TABLE, JOB_KINDS, SWEEP_KINDS } from "./job";
import { operationRule, WORKER_OPERATIONS } from "./worker-transitions";

describe("the job-kind table", () => {
  it("lists the kinds, one queue each, in a stable order", () => {
    expect(JOB_KINDS).toEqual([
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
      "import",
      "telemetry-sweep",
      "telemetry-region",
      "telemetry-shard",
      "idle-check",
      "schedule-evaluate",
      "reconcile",
      "converge",
      "price-refresh",
      "notify",
      "notify-test",
    ]);
  });

  it("repeats the fleet-wide sweeps, each on its own schedule", () => {
    expect(SWEEP_KINDS.map((kind) => [kind, JOB_KIND_TABLE[kind].sweep.every])).toEqual([
      ["telemetry-sweep", "telemetrySweepMs"],
      ["idle-check", "idleCheckMs"],
      ["schedule-evaluate", "scheduleEvaluationMs"],
      ["reconcile", "reconcileMs"],
      ["converge", "convergeMs"],
      ["price-refresh", "priceRefreshMs"],
    ]);
    for (const kind of SWEEP_KINDS) {
      expect(JOB_KIND_TABLE[kind].target).toBe("fleet");
    }
  });

  it("gives every operation a worker to act on and a mutation of its own", () => {
    for (const operation of WORKER_OPERATIONS) {
      expect(JOB_KIND_TABLE[operation].target).toBe("worker");
    }
    const fields = WORKER_OPERATIONS.map((operation) => operationRule(operation).mutation.field);
    expect(new Set(fields).size).toBe(fields.length);
  });

  it.each(WORKER_OPERATIONS)("never both starts and joins %s from one status", (operation) => {
    const rule = operationRule(operation);
    for (const status of rule.joinFrom) {
      expect(rule.runFrom).not.toHaveProperty(status);
    }
  });
});
