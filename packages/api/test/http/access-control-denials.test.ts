import { systemClock } from "@cml-fleet/core/ports/clock.port";
import type { AuditEntry } from "@cml-fleet/core/ports/worker-repository.port";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { describe, expect, it } from "vitest";
import { createAccessControl } from "../../src/auth/access-control";

/** The audit port, keeping what it is given (the HTTP tests read the real table; this one counts rows per call). */
function recordingAudit() {
  const entries: AuditEntry[] = [];
  return {
    entries,
    record: async (entry: AuditEntry) => {
      entries.push(entry);
      return { ...entry, id: String(entries.length) };
    },
  };
}

// Not annotated: the principal may carry more than this test needs (an expiry, for instance).
const viewer = { id: "t1", name: "viewer-token", role: "VIEWER", via: "api-token", expiresAt: null } as const;

describe("refusals within one request", () => {
  it("are written as one audit row naming every refused operation", async () => {
    const audit = recordingAudit();
    const access = createAccessControl({ audit, logger: silentLogger, clock: systemClock }, viewer, "req-1");
    const errors = ["apiTokens", "createApiToken", "apiTokens", "terminateWorker"].map((field) =>
      access.deny(field),
    );
    expect(errors.map((error) => error.code)).toEqual(["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]);
    expect(audit.entries).toEqual([]);
    await access.recordDenials();
    await access.recordDenials();
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({
      actor: "viewer-token",
      role: "VIEWER",
      operation: "apiTokens,createApiToken,terminateWorker",
      outcome: "FORBIDDEN",
      requestId: "req-1",
    });
  });

  it("name at most twenty operations, however many aliases a request used", async () => {
    const audit = recordingAudit();
    const access = createAccessControl({ audit, logger: silentLogger, clock: systemClock }, null, "req-2");
    for (let i = 0; i < 50; i++) {
      access.deny(`field${i}`);
    }
    await access.recordDenials();
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]?.operation).toMatch(/field19 \(\+30 more\)$/);
    expect(audit.entries[0]).toMatchObject({ actor: "anonymous", outcome: "UNAUTHENTICATED" });
  });

  it("write nothing when nothing was refused, and never fail the request when the audit write fails", async () => {
    const access = createAccessControl(
      {
        audit: { record: () => Promise.reject(new Error("database down")) },
        logger: silentLogger,
        clock: systemClock,
      },
      viewer,
      "req-3",
    );
    await expect(access.recordDenials()).resolves.toBeUndefined();
    access.deny("apiTokens");
    await expect(access.recordDenials()).resolves.toBeUndefined();
  });
});
