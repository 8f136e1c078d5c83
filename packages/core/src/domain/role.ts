/**
 * The contract's roles, each allowed everything the previous one is. Written
 * once here: the API's `Role` enum, its access control and the operation
 * mutations' required roles are all derived from it.
 */
export const ROLES = ["VIEWER", "OPERATOR", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Whether `granted` includes what `required` allows. */
export function roleAllows(granted: Role, required: Role): boolean {
  return ROLES.indexOf(granted) >= ROLES.indexOf(required);
}
