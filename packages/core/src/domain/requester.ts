import { type Actor, userActor } from "./actor";
import type { Role } from "./role";

/**
 * A person asking for a change, as the services that carry out requests see
 * them: enough to attribute the change (the actor) and to audit it (name and
 * role). The API's authenticated principal is one.
 */
export interface Requester {
  /** Stable id of the credential (an API token's id, or `oidc:<subject>`). */
  readonly id: string;
  readonly name: string;
  readonly role: Role;
}

export function actorOf(requester: Requester): Actor {
  return userActor(requester.id, requester.name);
}
