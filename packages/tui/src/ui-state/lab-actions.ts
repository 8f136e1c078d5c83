import type { Viewer } from "../data/fleet-types";

/** A lab as the detail view shows it. */
export interface LabRef {
  readonly id: string;
  readonly title: string;
}

/**
 * Whether the token may stop labs (OPERATOR or ADMIN, as the API decides):
 * null when it may, else the line to show. Read-only mode refuses too.
 */
export function labStopRefusal(viewer: Viewer | null, readonly: boolean): string | null {
  if (readonly) {
    return "Read-only mode: labs cannot be stopped from this monitor";
  }
  if (!viewer) {
    return "Stopping labs needs the OPERATOR role; the token's role is not known yet";
  }
  return viewer.role === "VIEWER" || viewer.role === "USER"
    ? `Stopping labs needs the OPERATOR role (this token is ${viewer.role})`
    : null;
}

/** The lab named by its id, else by its title (case-insensitive); undefined when none is. */
export function findLab<L extends LabRef>(labs: readonly L[], given: string): L | undefined {
  const lower = given.toLowerCase();
  return labs.find((lab) => lab.id === given) ?? labs.find((lab) => lab.title.toLowerCase() === lower);
}
