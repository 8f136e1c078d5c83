import { afterAll, beforeAll } from "vitest";

export interface UseStartedOptions<T> {
  /** Undoes `start` (after the block's other afterAll hooks: vitest runs them last registered first). */
  readonly stop?: (started: T) => Promise<void>;
  /** Timeout of both hooks; the project's hookTimeout when left out. */
  readonly timeoutMs?: number;
}

/**
 * Something the enclosing describe block (or file) starts in beforeAll and
 * stops in afterAll, handed out at once so that set-up is one line:
 *
 *   const fleet = useStarted("the fleet", () => startHarness("label"), { stop: (f) => f.close() });
 *
 * Its members are read through to the started thing, so use them in tests and
 * hooks only: before beforeAll has run there is nothing to read, and reading
 * throws.
 */
export function useStarted<T extends object>(
  what: string,
  start: () => Promise<T>,
  options: UseStartedOptions<T> = {},
): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  }, options.timeoutMs);
  afterAll(async () => {
    if (started !== undefined && options.stop !== undefined) {
      await options.stop(started);
    }
  }, options.timeoutMs);
  const stand = {} as T;
  return new Proxy(stand, {
    get(_target, key) {
      if (started === undefined) {
        if (typeof key === "symbol" || key === "then") {
          return undefined;
        }
        throw new Error(`${what} starts in beforeAll: read ${key} inside a test or hook`);
      }
      return Reflect.get(started, key);
    },
  });
}
