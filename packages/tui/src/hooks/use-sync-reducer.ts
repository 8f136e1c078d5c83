import { useCallback, useRef, useState } from "react";

/**
 * useReducer whose state is readable synchronously right after a dispatch.
 * Keys arrive faster than React renders (a paste, a quick "jx"): each must be
 * interpreted against the state the previous key left, not the last render's.
 */
export function useSyncReducer<S, A>(
  reducer: (state: S, action: A) => S,
  initial: S,
): [state: S, dispatch: (action: A) => void, getState: () => S] {
  const ref = useRef(initial);
  const [state, setState] = useState(initial);
  const dispatch = useCallback(
    (action: A) => {
      ref.current = reducer(ref.current, action);
      setState(ref.current);
    },
    [reducer],
  );
  const getState = useCallback(() => ref.current, []);
  return [state, dispatch, getState];
}
