import { useEffect, useReducer } from "react";

/**
 * The current time for idle times and countdowns: read at every render, and a
 * render is forced only when none happened for `intervalMs`. A separate ticking
 * timer would add a full Ink frame of its own each second while the stream
 * already renders several times a second.
 */
export function useNow(intervalMs = 1000, clock: () => number = Date.now): number {
  const [, tick] = useReducer((count: number) => count + 1, 0);
  const now = clock();
  useEffect(() => {
    // Re-armed after every render (no dependency list): it fires only once renders stop.
    const timer = setTimeout(tick, intervalMs);
    return () => clearTimeout(timer);
  });
  return now;
}
