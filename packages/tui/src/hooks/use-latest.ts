import { useRef } from "react";

/** A ref holding the value of the latest render, for stable callbacks that must not read stale props. */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}
