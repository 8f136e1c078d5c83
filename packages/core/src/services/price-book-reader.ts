import type { ConfiguredPrices, PriceBook } from "../domain/price-book";
import type { Clock } from "../ports/clock.port";
import type { Logger } from "../ports/logger.port";
import type { PriceCache } from "../ports/price-list.port";

export interface PriceBookReader {
  /** The configured prices and the latest cached refresh (or none); never calls AWS. */
  current(): Promise<PriceBook>;
}

/**
 * Reads the cached prices for queries. A read is kept for `maxAgeMs` so a
 * page of workers costs one cache read, not one per worker; an unreadable
 * cache means the static table, never a failed query.
 */
export function createPriceBookReader(deps: {
  readonly cache: PriceCache;
  readonly configured: ConfiguredPrices;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxAgeMs: number;
}): PriceBookReader {
  let held: { book: Promise<PriceBook>; at: number } | null = null;
  const read = async (): Promise<PriceBook> => {
    try {
      return { configured: deps.configured, live: await deps.cache.load() };
    } catch (error) {
      deps.logger.warn({ err: error }, "price cache unreadable; costs use the static prices");
      return { configured: deps.configured, live: null };
    }
  };
  return {
    current() {
      const now = deps.clock.now().getTime();
      if (held === null || now - held.at >= deps.maxAgeMs) {
        held = { book: read(), at: now };
      }
      return held.book;
    },
  };
}
