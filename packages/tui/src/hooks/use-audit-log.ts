import { useEffect, useState } from "react";
import { describeFailure } from "../data/api-error";
import type { FleetClient } from "../data/fleet-client.port";
import type { AuditEntry } from "../data/fleet-types";

/** Enough for a tall terminal; the API pages further (`auditLog(after:)`) for scripts. */
export const AUDIT_PAGE = 200;

export type AuditLogState =
  | { readonly kind: "loading" }
  | { readonly kind: "loaded"; readonly entries: readonly AuditEntry[] }
  | { readonly kind: "failed"; readonly message: string };

/**
 * The newest audit entries while the audit view is open: read once each time it opens (the audit log
 * has no stream), nothing while it is closed.
 */
export function useAuditLog(client: FleetClient, active: boolean): AuditLogState {
  const [state, setState] = useState<AuditLogState>({ kind: "loading" });

  useEffect(() => {
    if (!active) {
      return;
    }
    let cancelled = false;
    setState({ kind: "loading" });
    client.auditLog(AUDIT_PAGE).then(
      (entries) => {
        if (!cancelled) {
          setState({ kind: "loaded", entries });
        }
      },
      (error: unknown) => {
        if (!cancelled) {
          setState({ kind: "failed", message: describeFailure(error) });
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, active]);

  return state;
}
