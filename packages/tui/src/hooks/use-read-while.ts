import { useEffect, useState } from "react";
import { describeFailure } from "../data/api-error";

export type ReadState<T> =
  | { readonly kind: "loading" }
  | { readonly kind: "loaded"; readonly value: T }
  | { readonly kind: "failed"; readonly message: string };

/**
 * What `read` answers about `subject` (a worker id, or a view's name), read while `active` and again when
 * `version` changes (for views with no stream of their own: schedules, notification channels, a worker's
 * snapshots); nothing while inactive. What was read about another subject is never shown for this one.
 */
export function useReadWhile<T>(
  active: boolean,
  read: () => Promise<T>,
  subject: string,
  version = "",
): ReadState<T> {
  const [state, setState] = useState<{ subject: string; state: ReadState<T> }>({
    subject: "",
    state: { kind: "loading" },
  });
  // Subject and version say when to read again; `read` is a new closure every render, so it is not a dependency.
  useEffect(() => {
    if (!active) {
      return;
    }
    let cancelled = false;
    read().then(
      (value) => {
        if (!cancelled) {
          setState({ subject, state: { kind: "loaded", value } });
        }
      },
      (error: unknown) => {
        if (!cancelled) {
          setState({ subject, state: { kind: "failed", message: describeFailure(error) } });
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [active, subject, version]);
  return active && state.subject === subject ? state.state : { kind: "loading" };
}
