import type { AuditRecord } from "@cml-fleet/core/ports/audit-log.port";
import { describe, expect, it } from "vitest";
import { auditOutcome, auditTarget, toAuditEntryView } from "./audit-entry-view";

function aRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: "7",
    at: new Date("2026-11-30T06:00:00Z"),
    actor: "alice",
    role: "OPERATOR",
    operation: "stopWorker",
    arguments: { id: "0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c", reason: "lunch" },
    outcome: "ok",
    errorMessage: null,
    requestId: "r1",
    ...overrides,
  };
}

describe("the audit entry view", () => {
  it("says allowed for ok, denied for a refusal of who asked, failed for any other error", () => {
    expect(auditOutcome("ok")).toBe("allowed");
    expect(auditOutcome("FORBIDDEN")).toBe("denied");
    expect(auditOutcome("UNAUTHENTICATED")).toBe("denied");
    expect(auditOutcome("CONFLICT")).toBe("failed");
    expect(auditOutcome("INTERNAL")).toBe("failed");
  });

  it("names the target by id first, then the worker, the name, the region", () => {
    expect(auditTarget({ id: "stop.w1", workerId: "w1" })).toBe("stop.w1");
    expect(auditTarget({ workerId: "w1" })).toBe("w1");
    expect(auditTarget({ name: "ccna-lab-1", region: "us-east-1" })).toBe("ccna-lab-1");
    expect(auditTarget({ region: "us-east-1", instanceIds: [] })).toBe("us-east-1");
    expect(auditTarget({})).toBeNull();
  });

  it("cleans an actor that came from an identity provider", () => {
    const view = toAuditEntryView(aRecord({ actor: "mallory\u001b]52;c;Zm9v\u0007" }));
    expect(view).toEqual({
      id: "7",
      at: new Date("2026-11-30T06:00:00Z"),
      actor: "mallory",
      action: "stopWorker",
      target: "0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c",
      outcome: "allowed",
    });
  });
});
