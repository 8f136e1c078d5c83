/** Who caused a change: a person (through a token) or the system acting under a named policy. */
export type Actor =
  | { readonly kind: "user"; readonly id: string; readonly name: string }
  | { readonly kind: "system"; readonly policy: SystemPolicy };

export type SystemPolicy =
  | "provisioning"
  | "lifecycle"
  | "telemetry"
  | "idle-auto-stop"
  | "reconciliation"
  | "licensing"
  | "bootstrap"
  | "cml-certificate-pinning"
  | "status-checks"
  | "schedule"
  /** The converge sweep, landing an accepted intent whose job was lost. */
  | "convergence";

export function userActor(id: string, name: string): Actor {
  return { kind: "user", id, name };
}

export function systemActor(policy: SystemPolicy): Actor {
  return { kind: "system", policy };
}

export function describeActor(actor: Actor): string {
  return actor.kind === "user" ? actor.name : `system:${actor.policy}`;
}
