import { type Actor, userActor } from "@cml-fleet/core/domain/actor";
import type { Role } from "./roles";

/** Who is calling, once a credential has been checked. */
export interface Principal {
  /** Token id, or `oidc:<subject>` for an OIDC bearer token. */
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly via: "api-token" | "oidc";
}

export function actorOf(principal: Principal): Actor {
  return userActor(principal.id, principal.name);
}
