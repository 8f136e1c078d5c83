import { cleanOutsideText, OUTSIDE_TEXT_LIMITS } from "@cml-fleet/core/domain/outside-text";
import type { AuditRecord } from "@cml-fleet/core/ports/audit-log.port";

/** allowed: it went through; denied: refused for who asked; failed: allowed, but it did not happen. */
export type AuditOutcome = "allowed" | "denied" | "failed";

/** An audit record as `auditLog` serves it (the contract's AuditEntry). */
export interface AuditEntryView {
  readonly id: string;
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly outcome: AuditOutcome;
}

/** The codes a refusal for who asked is stored with (access-control.ts, request-audit.ts). */
const DENIAL_CODES: ReadonlySet<string> = new Set(["FORBIDDEN", "UNAUTHENTICATED"]);

/** The stored outcome is "ok" or the error code the caller received. */
export function auditOutcome(stored: string): AuditOutcome {
  if (stored === "ok") {
    return "allowed";
  }
  return DENIAL_CODES.has(stored) ? "denied" : "failed";
}

/**
 * The arguments that name what an operation acted on, most specific first: an id (a worker, a job, a
 * token), then the worker a job is for, then the name of what is being created, then a region (an import).
 */
const TARGET_ARGUMENTS = ["id", "workerId", "name", "region"] as const;

export function auditTarget(args: Readonly<Record<string, unknown>>): string | null {
  for (const key of TARGET_ARGUMENTS) {
    const value = args[key];
    if (typeof value === "string" && value !== "") {
      return value;
    }
  }
  return null;
}

/**
 * The view of one record. Actors and arguments passed the input rules when they were recorded, except an
 * OIDC user's name, which comes from the identity provider's token: every text is cleaned as outside text
 * on the way out all the same, so an old row or a careless writer cannot put an escape sequence on an
 * ADMIN's terminal.
 */
export function toAuditEntryView(record: AuditRecord): AuditEntryView {
  const target = auditTarget(record.arguments);
  return {
    id: record.id,
    at: record.at,
    actor: cleanOutsideText(record.actor, OUTSIDE_TEXT_LIMITS.name),
    action: cleanOutsideText(record.operation, OUTSIDE_TEXT_LIMITS.message),
    target: target === null ? null : cleanOutsideText(target, OUTSIDE_TEXT_LIMITS.name),
    outcome: auditOutcome(record.outcome),
  };
}
