/**
 * One timer for the whole simulator: due tasks sit in a binary min-heap and a
 * single setTimeout is armed for the earliest. 10,000 instances changing state
 * cost one heap entry each instead of 10,000 live timers, and `close()` has
 * exactly one handle to clear.
 */

interface Task {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
}

export interface ScheduledTask {
  cancel(): void;
}

export class Scheduler {
  private readonly heap: Task[] = [];
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Number.POSITIVE_INFINITY;
  private seq = 0;
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Runs `run` once `delayMs` from now (0 = on the next tick, never synchronously). */
  after(delayMs: number, run: () => void): ScheduledTask {
    const task: Task = { at: this.now() + Math.max(0, delayMs), seq: this.seq++, run, cancelled: false };
    if (!this.closed) {
      this.push(task);
      this.arm();
    }
    return {
      cancel: () => {
        task.cancelled = true;
      },
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.heap.length = 0;
  }

  private arm(): void {
    const first = this.heap[0];
    if (!first || this.closed) {
      return;
    }
    if (this.timer && first.at >= this.armedFor) {
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.armedFor = first.at;
    // setTimeout caps at 2^31-1 ms; a later task simply re-arms when it fires.
    const delay = Math.min(Math.max(0, first.at - this.now()), 2_147_483_647);
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.now();
    for (let task = this.heap[0]; task && task.at <= now; task = this.heap[0]) {
      this.pop();
      if (!task.cancelled) {
        task.run();
      }
    }
    this.arm();
  }

  private push(task: Task): void {
    const heap = this.heap;
    heap.push(task);
    let index = heap.length - 1;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex];
      if (!parent || !before(task, parent)) {
        break;
      }
      heap[index] = parent;
      heap[parentIndex] = task;
      index = parentIndex;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) {
      return;
    }
    heap[0] = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      const leftTask = heap[left];
      const rightTask = heap[right];
      const smallestTask = heap[smallest];
      if (leftTask && smallestTask && before(leftTask, smallestTask)) {
        smallest = left;
      }
      const current = heap[smallest];
      if (rightTask && current && before(rightTask, current)) {
        smallest = right;
      }
      if (smallest === index) {
        return;
      }
      const swap = heap[smallest];
      if (!swap) {
        return;
      }
      heap[smallest] = last;
      heap[index] = swap;
      index = smallest;
    }
  }
}

function before(a: Task, b: Task): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
