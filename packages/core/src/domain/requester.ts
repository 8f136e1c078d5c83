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
  /**
   * The groups the identity provider says the person belongs to (OIDC with
   * OIDC_GROUPS_CLAIM only): a worker owned by `group:<name>` is theirs too.
   */
  readonly groups?: readonly string[];
}

export function actorOf(requester: Requester): Actor {
  return userActor(requester.id, requester.name);
}
