import type { Role, Viewer } from "../data/fleet-types";

export const ACTIONS = ["start", "stop", "terminate", "refresh", "keep-alive", "retry"] as const;
export type ActionName = (typeof ACTIONS)[number];

/** The least role the API requires for each action (see the contract's Roles). */
const REQUIRED_ROLE: Record<ActionName, Role> = {
  start: "OPERATOR",
  stop: "OPERATOR",
  refresh: "OPERATOR",
  "keep-alive": "OPERATOR",
  retry: "OPERATOR",
  terminate: "ADMIN",
};

const RANK: Record<Role, number> = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 };

export type Availability =
  | { readonly kind: "hidden" }
  | { readonly kind: "allowed" }
  | { readonly kind: "unavailable"; readonly reason: string };

/**
 * Whether the token may read the audit log (ADMIN only, as the API decides). A read, so read-only mode
 * does not hide it; null when it may, else the line to show.
 */
export function auditLogRefusal(viewer: Viewer | null): string | null {
  if (!viewer) {
    return "The audit log needs the ADMIN role; the token's role is not known yet";
  }
  return viewer.role === "ADMIN" ? null : `The audit log needs the ADMIN role (this token is ${viewer.role})`;
}

/**
 * Whether the monitor offers an action. Read-only mode hides actions entirely;
 * an action the token's role may not do is shown as unavailable and never sent.
 */
export function actionAvailability(
  action: ActionName,
  viewer: Viewer | null,
  readonly: boolean,
): Availability {
  if (readonly) {
    return { kind: "hidden" };
  }
  if (!viewer) {
    return { kind: "unavailable", reason: "the token's role is not known yet" };
  }
  const required = REQUIRED_ROLE[action];
  return RANK[viewer.role] >= RANK[required]
    ? { kind: "allowed" }
    : { kind: "unavailable", reason: `${action} needs the ${required} role (this token is ${viewer.role})` };
}
