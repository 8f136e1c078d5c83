import type { PriceRefreshConfig } from "@cml-fleet/core/services/price-refresh.service";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";

/** AWS publishes on-demand prices a few times a month: a day-old price is current. */
export const PRICE_MAX_AGE_MS = 24 * 3_600_000;
/**
 * The cache outlives a few failed refreshes; when the Price List API stays
 * unreachable past it, costs fall back to the static table and say so.
 */
export const PRICE_CACHE_TTL_MS = 3 * PRICE_MAX_AGE_MS;
/** How long an API process reuses one read of the cache (a page of workers costs one read). */
export const PRICE_READ_MAX_AGE_MS = 5_000;

/** What the price-refresh job prices: every allowed region and type, besides the workers' own. */
export function pricingRefreshConfig(settings: Settings): PriceRefreshConfig {
  return {
    regions: settings.aws.allowedRegions,
    instanceTypes: settings.worker.allowedInstanceTypes,
    priceMaxAgeMs: PRICE_MAX_AGE_MS,
    ttlMs: PRICE_CACHE_TTL_MS,
  };
}
