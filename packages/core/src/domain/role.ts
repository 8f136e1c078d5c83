/**
 * The contract's roles. Written once here: the API's `Role` enum, its access
 * control and the operation mutations' required roles are all derived from it.
 *
 * Two kinds of grant:
 * - the ranked roles, each allowed everything the previous one is
 *   (VIEWER < OPERATOR < ADMIN), over the whole fleet;
 * - `USER`, outside that order: it sees only the workers it owns (a worker's
 *   `owner` is the credential's name) and may run {@link USER_OPERATIONS} on
 *   them, nothing else. No ranked role's requirement is met by a USER, so a
 *   field that does not say a USER may have it is refused (fail closed).
 */
export const RANKED_ROLES = ["VIEWER", "OPERATOR", "ADMIN"] as const;
export type RankedRole = (typeof RANKED_ROLES)[number];

export const ROLES = [...RANKED_ROLES, "USER"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Whether `granted` includes what `required` allows; a USER never does (see {@link userMay}). */
export function roleAllows(granted: Role, required: RankedRole): boolean {
  if (granted === "USER") {
    return false;
  }
  return RANKED_ROLES.indexOf(granted) >= RANKED_ROLES.indexOf(required);
}

/**
 * The mutations (by GraphQL field name, which is also the audited operation
 * and, for an operation row of the job-kind table, the command method) a
 * USER may run on a worker it owns. `snapshotWorker` counts once the
 * snapshot operation exists; naming it before does nothing.
 */
export const USER_OPERATIONS = ["startWorker", "stopWorker", "keepAlive", "snapshotWorker"] as const;

/** What a USER is granted: `read` for the scoped reads (own workers only), or one of its operations. */
export type UserGrant = "read" | (typeof USER_OPERATIONS)[number];

/** Whether a credential of `role` has the USER grant `grant` (on its own workers only). */
export function userMay(role: Role, grant: string): boolean {
  return role === "USER" && (grant === "read" || (USER_OPERATIONS as readonly string[]).includes(grant));
}

/** An owner naming a group (`group:<name>`): every USER in that group owns the worker. */
export const GROUP_OWNER_PREFIX = "group:";

export function groupOwner(group: string): string {
  return `${GROUP_OWNER_PREFIX}${group}`;
}

/** Who a requester is as an owner: its name, and `group:<name>` for each of its groups. */
interface OwnerIdentity {
  readonly role: Role;
  readonly name: string;
  readonly groups?: readonly string[];
}

/**
 * The owners a requester's reads are narrowed to: for a USER its own name and
 * its groups (`group:<name>`), null (the whole fleet) for a ranked role.
 */
export function ownerScopeOf(requester: OwnerIdentity): readonly string[] | null {
  return requester.role === "USER" ? [requester.name, ...(requester.groups ?? []).map(groupOwner)] : null;
}

/** Whether a requester may see a worker with this owner at all (a USER: only its own and its groups'). */
export function canSeeOwner(requester: OwnerIdentity, owner: string | null): boolean {
  const scope = ownerScopeOf(requester);
  return scope === null || (owner !== null && scope.includes(owner));
}

/** Whether a mutation (by field name) is one a USER may run on its own workers. */
export function isUserOperation(field: string): field is (typeof USER_OPERATIONS)[number] {
  return (USER_OPERATIONS as readonly string[]).includes(field);
}
