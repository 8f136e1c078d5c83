export interface UpdateBatcher<T> {
  push(item: T): void;
  /** Delivers what is pending now (used on shutdown and by tests). */
  flush(): void;
  dispose(): void;
}

/**
 * Collects stream items and hands them over at most once per interval, so a
 * fleet of 1,000 workers each reporting every second costs a few state updates
 * (and renders) a second, not 1,000.
 */
export function createUpdateBatcher<T>(deliver: (items: T[]) => void, intervalMs: number): UpdateBatcher<T> {
  let pending: T[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) {
      return;
    }
    const items = pending;
    pending = [];
    deliver(items);
  };

  return {
    push(item) {
      pending.push(item);
      timer ??= setTimeout(flush, intervalMs);
    },
    flush,
    dispose() {
      clearTimeout(timer);
      timer = undefined;
      pending = [];
    },
  };
}
