import type { Clock } from "../../src/ports/clock.port";
import type { Sleep } from "../../src/services/poll";

/** A clock that only moves when told to (or when a service sleeps on it). */
export class FakeClock implements Clock {
  constructor(private current = new Date("2026-01-05T09:00:00Z")) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  /** Sleeping advances time instantly, so polling loops run in no real time. */
  readonly sleep: Sleep = async (ms) => {
    this.advance(ms);
  };
}
