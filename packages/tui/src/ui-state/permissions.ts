import type { Role, Viewer } from "../data/fleet-types";

export const ACTIONS = [
  "start",
  "stop",
  "terminate",
  "refresh",
  "keep-alive",
  "retry",
  "snapshot",
  "schedule",
] as const;
export type ActionName = (typeof ACTIONS)[number];

/** The ranked roles, least first; a USER is outside the ranking (see the contract's Roles). */
type RankedRole = Exclude<Role, "USER">;

/** The least ranked role the API requires for each action. */
const REQUIRED_ROLE: Record<ActionName, RankedRole> = {
  start: "OPERATOR",
  stop: "OPERATOR",
  refresh: "OPERATOR",
  "keep-alive": "OPERATOR",
  retry: "OPERATOR",
  snapshot: "OPERATOR",
  schedule: "OPERATOR",
  terminate: "ADMIN",
};

/** What a USER may do, on the workers it owns (the only ones the API shows it). */
const USER_ACTIONS: ReadonlySet<ActionName> = new Set(["start", "stop", "keep-alive", "snapshot"]);

const RANK: Record<RankedRole, number> = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 };

export type Availability =
  | { readonly kind: "hidden" }
  | { readonly kind: "allowed" }
  | { readonly kind: "unavailable"; readonly reason: string };

/** Whether the token's role is ADMIN: null when it is, else the line to show for `what`. */
function adminRefusal(viewer: Viewer | null, what: string): string | null {
  if (!viewer) {
    return `${what} needs the ADMIN role; the token's role is not known yet`;
  }
  return viewer.role === "ADMIN" ? null : `${what} needs the ADMIN role (this token is ${viewer.role})`;
}

/**
 * Whether the token may read the audit log (ADMIN only, as the API decides). A read, so read-only mode
 * does not hide it; null when it may, else the line to show.
 */
export function auditLogRefusal(viewer: Viewer | null): string | null {
  return adminRefusal(viewer, "The audit log");
}

/** Whether the token may read the notification channels (ADMIN only); null when it may. */
export function channelsRefusal(viewer: Viewer | null): string | null {
  return adminRefusal(viewer, "The notification channels");
}

/**
 * Whether the monitor offers an action. Read-only mode hides actions entirely, and so does a USER's token
 * for what a USER may never do (it sees only its own actions); an action a ranked role may not do is shown
 * as unavailable and never sent.
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
  if (viewer.role === "USER") {
    return USER_ACTIONS.has(action) ? { kind: "allowed" } : { kind: "hidden" };
  }
  const required = REQUIRED_ROLE[action];
  return RANK[viewer.role] >= RANK[required]
    ? { kind: "allowed" }
    : { kind: "unavailable", reason: `${action} needs the ${required} role (this token is ${viewer.role})` };
}
