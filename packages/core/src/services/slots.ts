/** Gives back the slot it was handed; a second call does nothing. */
export type Release = () => void;

interface Waiter {
  readonly grant: (release: Release) => void;
}

/**
 * A counting semaphore whose waiters are served first come, first served.
 * A waiter whose signal aborts leaves the queue without ever holding a slot.
 */
export class Slots {
  private held = 0;
  private readonly waiters: Waiter[] = [];

  constructor(private readonly size: number) {}

  get inUse(): number {
    return this.held;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** A slot, at once or when one frees; `onAbort` makes the error for a waiter whose signal aborts. */
  acquire(
    signal?: AbortSignal,
    onAbort: () => Error = () => new Error("gave up waiting for a slot"),
  ): Promise<Release> {
    if (signal?.aborted === true) {
      return Promise.reject(onAbort());
    }
    if (this.held < this.size) {
      this.held += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const abandon = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) {
          this.waiters.splice(index, 1);
        }
        reject(onAbort());
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener("abort", abandon);
          resolve(release);
        },
      };
      signal?.addEventListener("abort", abandon, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      const next = this.waiters.shift();
      if (next === undefined) {
        this.held -= 1;
      } else {
        // The slot passes straight to the next waiter: the count never dips, so no newcomer jumps the queue.
        next.grant(this.releaser());
      }
    };
  }
}
