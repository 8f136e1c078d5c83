import type { Viewer } from "../data/fleet-types";
import { ACTIONS, type ActionName, type Availability, actionAvailability } from "./permissions";
import type { View } from "./ui-reducer";

export interface Binding {
  readonly keys: string;
  readonly label: string;
  /** "allowed" for navigation; actions carry the token's and mode's verdict. */
  readonly availability: Availability;
}

const ALLOWED: Availability = { kind: "allowed" };

const WORKER_ACTIONS: readonly { keys: string; label: string; action: ActionName }[] = [
  { keys: "s", label: "start", action: "start" },
  { keys: "x", label: "stop", action: "stop" },
  { keys: "t", label: "terminate", action: "terminate" },
  { keys: "r", label: "refresh", action: "refresh" },
  { keys: "K", label: "keep-alive", action: "keep-alive" },
];

/** Key bindings for the footer and the help screen, in the order the footer shows them; hidden ones left out. */
export function bindingsFor(view: View, viewer: Viewer | null, readonly: boolean): Binding[] {
  const actions =
    view === "jobs"
      ? [{ keys: "r", label: "retry", action: "retry" as const }]
      : view === "workers"
        ? WORKER_ACTIONS
        : [];
  const navigation: Binding[] =
    view === "audit" || view === "schedules" || view === "channels"
      ? [{ keys: "tab", label: "workers", availability: ALLOWED }]
      : view === "jobs"
        ? [
            { keys: "j/k", label: "move", availability: ALLOWED },
            { keys: "tab", label: "workers", availability: ALLOWED },
          ]
        : [
            { keys: "j/k", label: "move", availability: ALLOWED },
            { keys: "enter", label: "detail", availability: ALLOWED },
            { keys: "/", label: "filter", availability: ALLOWED },
            { keys: "N/R/S/C/I/P", label: "sort", availability: ALLOWED },
            { keys: "tab", label: "jobs", availability: ALLOWED },
            { keys: "e", label: "events", availability: ALLOWED },
          ];
  const actionBindings = actions
    .map(({ keys, label, action }) => ({
      keys,
      label,
      availability: actionAvailability(action, viewer, readonly),
    }))
    .filter((binding) => binding.availability.kind !== "hidden");
  // Actions and the way to help come first: on a narrow terminal the footer is cut from the right.
  return [
    ...actionBindings,
    { keys: "?", label: "help", availability: ALLOWED },
    { keys: "q", label: "quit", availability: ALLOWED },
    ...navigation,
    { keys: ":", label: "command", availability: ALLOWED },
  ];
}

/** The actions the token is offered (not hidden from it) and whether its role is a ranked one (not USER). */
export function commandAvailability(
  viewer: Viewer | null,
  readonly: boolean,
): { readonly actions: ReadonlySet<ActionName>; readonly rankedRole: boolean } {
  return {
    actions: new Set(
      ACTIONS.filter((action) => actionAvailability(action, viewer, readonly).kind !== "hidden"),
    ),
    rankedRole: viewer?.role !== "USER",
  };
}
