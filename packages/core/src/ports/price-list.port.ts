import type { LivePrices, VolumeInfo } from "../domain/price-book";
import type { CloudTarget } from "./cloud-provider.port";

/** The AWS Price List API, narrowed to what cost needs. */
export interface PriceList {
  /** On-demand Linux, shared-tenancy USD per hour; null when the price list has no such product. */
  instanceHourlyUsd(instanceType: string, region: string): Promise<number | null>;
  /** EBS USD per GB-month of a volume type in a region; null when it has no such product. */
  storageGbMonthUsd(volumeType: string, region: string): Promise<number | null>;
}

/** The EBS volumes attached to instances (DescribeVolumes). */
export interface VolumeInventory {
  /** Instance id -> its attached volumes; instances without any are absent. */
  attachedVolumes(
    target: CloudTarget,
    instanceIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly VolumeInfo[]>>;
}

/** Where the refreshed prices are kept between refreshes (shared by every process). */
export interface PriceCache {
  /** The last refresh's result, or null when none is cached (never refreshed, or expired). */
  load(): Promise<LivePrices | null>;
  save(prices: LivePrices, ttlMs: number): Promise<void>;
}
