import { useRef } from "react";
import { scrollOffset } from "../data/selectors";

/** First visible row of a scrolling window that follows the selection. */
export function useScrollOffset(selectedIndex: number, height: number, total: number): number {
  const previous = useRef(0);
  const offset = scrollOffset(previous.current, Math.max(0, selectedIndex), Math.max(1, height), total);
  previous.current = offset;
  return offset;
}
