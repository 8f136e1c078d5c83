import { describe, expect, it } from "vitest";
import {
  fleetPricingSource,
  instanceRateOf,
  type LivePrices,
  type PriceBook,
  storageRateOf,
} from "./price-book";

const live: LivePrices = {
  fetchedAt: new Date("2026-11-30T00:00:00Z"),
  instanceHourlyUsd: { "us-east-1": { "c5.2xlarge": 0.357 }, "eu-west-1": { "c5.2xlarge": 0.39984 } },
  storageGbMonthUsd: { "us-east-1": { gp3: 0.08 }, "eu-west-1": { gp3: 0.0896 } },
  volumes: { "i-0a": [{ sizeGiB: 64, volumeType: "gp3" }], "i-0b": [{ sizeGiB: 100, volumeType: "sc1" }] },
};
const none = { hourlyUsd: {}, regionalHourlyUsd: {} };

describe("where a price comes from", () => {
  it("takes the Price List API's price over the static table", () => {
    const book: PriceBook = { configured: none, live };
    expect(instanceRateOf(book, "c5.2xlarge", "us-east-1")).toEqual({ usd: 0.357, source: "aws-price-list" });
    expect(instanceRateOf(book, "c5.2xlarge", "eu-west-1")).toEqual({
      usd: 0.39984,
      source: "aws-price-list",
    });
  });

  it("falls back to the static 2025 table for a type or region the price list did not answer", () => {
    const book: PriceBook = { configured: none, live };
    expect(instanceRateOf(book, "c5.9xlarge", "us-east-1")).toEqual({ usd: 1.53, source: "static-2025" });
    expect(instanceRateOf(book, "c5.2xlarge", "us-west-2")).toEqual({ usd: 0.34, source: "static-2025" });
    expect(instanceRateOf({ configured: none, live: null }, "c5.2xlarge", "us-east-1")).toEqual({
      usd: 0.34,
      source: "static-2025",
    });
    expect(instanceRateOf(book, "x9.unknown", "us-east-1")).toEqual({ usd: null, source: "static-2025" });
  });

  it("lets a configured price win over both, the region's own first", () => {
    const book: PriceBook = {
      configured: {
        hourlyUsd: { "c5.2xlarge": 0.3 },
        regionalHourlyUsd: { "eu-west-1": { "c5.2xlarge": 0.45 } },
      },
      live,
    };
    expect(instanceRateOf(book, "c5.2xlarge", "us-east-1")).toEqual({ usd: 0.3, source: "configured" });
    expect(instanceRateOf(book, "c5.2xlarge", "eu-west-1")).toEqual({ usd: 0.45, source: "configured" });
  });

  it("prices volumes from the list, or statically for a type it did not answer (100 GiB sc1: 100 * 0.015 / 730)", () => {
    const book: PriceBook = { configured: none, live };
    expect(storageRateOf(book, "i-0a", "us-east-1")).toEqual({
      hourlyUsd: (64 * 0.08) / 730,
      sizeGiB: 64,
      source: "aws-price-list",
    });
    const sc1 = storageRateOf(book, "i-0b", "us-east-1");
    expect(sc1.hourlyUsd).toBeCloseTo((100 * 0.015) / 730, 12);
    expect(sc1.source).toBe("static-2025");
  });

  it("counts no storage for an instance whose volumes were not seen yet", () => {
    const book: PriceBook = { configured: none, live };
    expect(storageRateOf(book, "i-0unseen", "us-east-1")).toMatchObject({ hourlyUsd: 0, sizeGiB: null });
    expect(storageRateOf(book, null, "us-east-1")).toMatchObject({ hourlyUsd: 0, sizeGiB: null });
  });

  it("names the fleet's source: the price list while a refresh is cached, else the static table", () => {
    expect(fleetPricingSource({ configured: none, live })).toBe("aws-price-list");
    expect(fleetPricingSource({ configured: none, live: null })).toBe("static-2025");
    expect(fleetPricingSource({ configured: none, live: { ...live, instanceHourlyUsd: {} } })).toBe(
      "static-2025",
    );
  });
});
