import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { JobInfo } from "@cml-fleet/core/domain/job";
import type { Worker } from "@cml-fleet/core/domain/worker";

/** Channel names as agreed between the API and the job processes (INTERFACES.md); a key prefix goes in front. */
export const TOPICS = {
  workerChanged: "fleet:worker-changed",
  fleetEvent: "fleet:event",
  jobUpdated: "fleet:job-updated",
  /** A credential stopped being good: every API replica ends the sockets and streams that hold it. */
  credentialRevoked: "fleet:credential-revoked",
} as const;

/**
 * Why a credential's live connections must end: its token was revoked, or
 * what it may do changed (a connection keeps the role it was opened with).
 */
export type CredentialRevocationCause = "revoked" | "role-changed";

export interface CredentialRevocation {
  /** The principal's id: an API token's id, or `oidc:<subject>`. */
  readonly credentialId: string;
  readonly cause: CredentialRevocationCause;
}

export type FleetTopicPayloads = {
  [TOPICS.workerChanged]: [Worker];
  [TOPICS.fleetEvent]: [FleetEvent];
  [TOPICS.jobUpdated]: [JobInfo];
  [TOPICS.credentialRevoked]: [CredentialRevocation];
};

/** A revocation read off Redis: anything else on the channel is ignored, not trusted. */
export function isCredentialRevocation(value: unknown): value is CredentialRevocation {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const { credentialId, cause } = value as Record<string, unknown>;
  return (
    typeof credentialId === "string" &&
    credentialId.length > 0 &&
    credentialId.length <= 512 &&
    (cause === "revoked" || cause === "role-changed")
  );
}
