import {
  DEFAULT_EBS_GB_MONTH_PRICES_USD,
  DEFAULT_HOURLY_PRICES_USD,
  DEFAULT_VOLUME_TYPE,
} from "../settings/default-prices";
import { storageHourlyUsd } from "./cost";

/**
 * Where a price came from: the operator's settings (`CML_WORKER_HOURLY_PRICES`,
 * `CML_WORKER_REGIONAL_HOURLY_PRICES`), the AWS Price List API (cached by the
 * price-refresh job), or the built-in 2025 us-east-1 table.
 */
export const PRICE_SOURCES = ["configured", "aws-price-list", "static-2025"] as const;
export type PriceSource = (typeof PRICE_SOURCES)[number];

/** Only what the operator set: a configured price wins over every other source. */
export interface ConfiguredPrices {
  readonly hourlyUsd: Readonly<Record<string, number>>;
  readonly regionalHourlyUsd: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** One EBS volume attached to an instance, as DescribeVolumes reports it. */
export interface VolumeInfo {
  readonly sizeGiB: number;
  readonly volumeType: string;
}

/** What the price-refresh job learned from AWS; a missing entry falls back to the static table. */
export interface LivePrices {
  readonly fetchedAt: Date;
  /** Region -> instance type -> on-demand Linux USD per hour. */
  readonly instanceHourlyUsd: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Region -> EBS volume type -> USD per GB-month. */
  readonly storageGbMonthUsd: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Instance id -> its volumes (absent: not looked up yet). */
  readonly volumes: Readonly<Record<string, readonly VolumeInfo[]>>;
}

/** Everything a cost is computed from; `live` is null until a refresh has succeeded (or after its TTL). */
export interface PriceBook {
  readonly configured: ConfiguredPrices;
  readonly live: LivePrices | null;
}

export interface PricedRate {
  /** USD per hour; null when no source knows the type. */
  readonly usd: number | null;
  readonly source: PriceSource;
}

/** The instance's hourly rate and where it came from: configured, then the price list, then the static table. */
export function instanceRateOf(book: PriceBook, instanceType: string, region: string): PricedRate {
  const configured =
    book.configured.regionalHourlyUsd[region]?.[instanceType] ?? book.configured.hourlyUsd[instanceType];
  if (configured !== undefined) {
    return { usd: configured, source: "configured" };
  }
  const live = book.live?.instanceHourlyUsd[region]?.[instanceType];
  if (live !== undefined) {
    return { usd: live, source: "aws-price-list" };
  }
  return { usd: DEFAULT_HOURLY_PRICES_USD[instanceType] ?? null, source: "static-2025" };
}

export interface StorageRate {
  /** USD per hour of the instance's volumes; 0 while their size is not known. */
  readonly hourlyUsd: number;
  /** Total GiB of the instance's volumes; null before the first DescribeVolumes of it. */
  readonly sizeGiB: number | null;
  readonly source: PriceSource;
}

/** USD per GB-month of a volume type in a region, from the price list or else the static table. */
export function storagePriceOf(
  book: PriceBook,
  volumeType: string,
  region: string,
): { usd: number; source: PriceSource } {
  const live = book.live?.storageGbMonthUsd[region]?.[volumeType];
  if (live !== undefined) {
    return { usd: live, source: "aws-price-list" };
  }
  const fallback =
    DEFAULT_EBS_GB_MONTH_PRICES_USD[volumeType] ?? DEFAULT_EBS_GB_MONTH_PRICES_USD[DEFAULT_VOLUME_TYPE] ?? 0;
  return { usd: fallback, source: "static-2025" };
}

/**
 * What an instance's EBS volumes cost per hour, running or stopped. The
 * source is the static table as soon as one volume was priced from it.
 */
export function storageRateOf(book: PriceBook, instanceId: string | null, region: string): StorageRate {
  const volumes = instanceId === null ? undefined : book.live?.volumes[instanceId];
  if (volumes === undefined) {
    return { hourlyUsd: 0, sizeGiB: null, source: storagePriceOf(book, DEFAULT_VOLUME_TYPE, region).source };
  }
  let source: PriceSource = "aws-price-list";
  let hourlyUsd = 0;
  for (const volume of volumes) {
    const price = storagePriceOf(book, volume.volumeType, region);
    if (price.source === "static-2025") {
      source = "static-2025";
    }
    hourlyUsd += storageHourlyUsd(volume.sizeGiB, price.usd);
  }
  return { hourlyUsd, sizeGiB: volumes.reduce((sum, volume) => sum + volume.sizeGiB, 0), source };
}

/** The fleet's price source: the price list while a refresh's result is cached, else the static table. */
export function fleetPricingSource(book: PriceBook): PriceSource {
  return book.live === null || Object.keys(book.live.instanceHourlyUsd).length === 0
    ? "static-2025"
    : "aws-price-list";
}
