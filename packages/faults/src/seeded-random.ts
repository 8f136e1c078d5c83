/** A reproducible random source: the same seed gives the same crash points, delays and choices. */
export interface SeededRandom {
  readonly seed: number;
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  integer(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
}

/** mulberry32: small, fast and good enough to spread crash points. */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const integer = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed: seed >>> 0,
    next,
    integer,
    pick<T>(items: readonly T[]): T {
      const item = items[integer(0, items.length - 1)];
      if (item === undefined) {
        throw new RangeError("pick from an empty list");
      }
      return item;
    },
    shuffle<T>(items: readonly T[]): T[] {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = integer(0, i);
        const a = copy[i];
        const b = copy[j];
        if (a !== undefined && b !== undefined) {
          copy[i] = b;
          copy[j] = a;
        }
      }
      return copy;
    },
  };
}

/**
 * The seed of a run: FAULTS_SEED when given (to replay a failure), else a fresh one. Printed by the caller so that
 * a failing run can be repeated.
 */
export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FAULTS_SEED;
  if (raw === undefined || raw === "") {
    return Math.floor(Math.random() * 4_294_967_296);
  }
  const seed = Number(raw);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 4_294_967_296) {
    throw new RangeError(`FAULTS_SEED must be an integer in 0..4294967295, got '${raw}'`);
  }
  return seed;
}
