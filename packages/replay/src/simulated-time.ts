import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { Sleep } from "@cml-fleet/core/services/poll";

/**
 * Order of things due at the same instant: what people and the world do
 * first (a manual stop, an activity beginning), then the fleet's timers
 * (a job's poll waking up), then the fleet's periodic work: the schedule
 * evaluation, then the telemetry sweep and the idle check.
 */
export const PRIORITY = { world: 0, timer: 1, schedule: 2, tick: 3 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];

interface Due {
  readonly atMs: number;
  readonly priority: Priority;
  readonly sequence: number;
  readonly run: () => void | Promise<void>;
  /** The action settles on its own (it never sleeps): awaiting it is enough. */
  readonly selfContained: boolean;
}

function before(a: Due, b: Due): boolean {
  return a.atMs !== b.atMs
    ? a.atMs < b.atMs
    : a.priority !== b.priority
      ? a.priority < b.priority
      : a.sequence < b.sequence;
}

/** Lets every promise chain started so far settle (the ports are in memory: nothing waits on real I/O). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A simulated clock with its own timers: `sleep` waits in simulated time, so
 * the core's polls (a start job waiting for CML to be ready) run as they do
 * in production, only without waiting. Things due at one instant run in
 * priority order, then in the order they were scheduled, so a replay is
 * deterministic.
 */
export class SimulatedTime implements Clock {
  private nowMs: number;
  private sequence = 0;
  private readonly heap: Due[] = [];
  private readonly failures: unknown[] = [];

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  now(): Date {
    return new Date(this.nowMs);
  }

  nowMillis(): number {
    return this.nowMs;
  }

  readonly sleep: Sleep = (ms) =>
    new Promise<void>((resolve) => {
      this.schedule(this.nowMs + Math.max(0, ms), PRIORITY.timer, resolve);
    });

  /**
   * Runs `run` at `atMs` (not before now). `selfContained`: it never sleeps
   * in simulated time, so the run awaits it; otherwise (a job that polls) it
   * runs until its first sleep and goes on when that sleep is due.
   */
  schedule(atMs: number, priority: Priority, run: () => void | Promise<void>, selfContained = false): void {
    this.push({ atMs: Math.max(atMs, this.nowMs), priority, sequence: this.sequence++, run, selfContained });
  }

  /** When the next thing of at most this priority (default: any) is due, or null when nothing is. */
  nextDueMs(maxPriority: Priority = PRIORITY.tick): number | null {
    if (maxPriority === PRIORITY.tick) {
      return this.heap[0]?.atMs ?? null;
    }
    let earliest: number | null = null;
    for (const due of this.heap) {
      if (due.priority <= maxPriority && (earliest === null || due.atMs < earliest)) {
        earliest = due.atMs;
      }
    }
    return earliest;
  }

  /**
   * Runs everything due up to and including `untilMs`, each to completion
   * (including what it awaits on the in-memory ports) before the next; the
   * clock then stands at `untilMs`. Errors of a scheduled action end the run.
   */
  async runUntil(untilMs: number): Promise<void> {
    for (;;) {
      const next = this.heap[0];
      if (next === undefined || next.atMs > untilMs) {
        break;
      }
      this.pop();
      this.nowMs = next.atMs;
      const done = next.run();
      if (next.selfContained) {
        await done;
        continue;
      }
      if (done instanceof Promise) {
        // A job may outlive this instant (it sleeps); its failure still ends the run, when it comes.
        done.catch((error: unknown) => {
          this.failures.push(error);
        });
      }
      await settle();
      const failure = this.failures[0];
      if (failure !== undefined) {
        throw failure;
      }
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
  }

  private push(due: Due): void {
    const heap = this.heap;
    heap.push(due);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent] as Due;
      if (!before(due, above)) {
        break;
      }
      heap[index] = above;
      index = parent;
    }
    heap[index] = due;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) {
      return;
    }
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = last;
      let target = -1;
      const l = heap[left];
      if (l !== undefined && before(l, smallest)) {
        smallest = l;
        target = left;
      }
      const r = heap[right];
      if (r !== undefined && before(r, smallest)) {
        smallest = r;
        target = right;
      }
      if (target === -1) {
        break;
      }
      heap[index] = smallest;
      index = target;
    }
    heap[index] = last;
  }
}
