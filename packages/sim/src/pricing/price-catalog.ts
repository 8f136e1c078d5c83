import { type SIM_INSTANCE_TYPES, SIM_REGIONS } from "../catalog";

/**
 * What the simulated Price List API publishes: on-demand USD per hour in
 * us-east-1 for every instance type the simulator launches, and EBS prices per
 * GB-month. They differ on purpose from the fleet's static 2025 table, so a
 * test can tell which source a price came from.
 */
const US_EAST_1_LINUX_HOURLY_USD: Readonly<Record<keyof typeof SIM_INSTANCE_TYPES, number>> = {
  "t3.large": 0.0832,
  "t3.xlarge": 0.1664,
  "m5.xlarge": 0.192,
  "m5.2xlarge": 0.384,
  "m5.4xlarge": 0.768,
  "c5.2xlarge": 0.357,
  "c5.4xlarge": 0.714,
  "m5.metal": 4.608,
  "m5zn.metal": 3.9641,
  "c5.metal": 4.284,
  "c5n.metal": 3.888,
  "m6i.metal": 6.144,
  "c6i.metal": 5.44,
  "m7i.metal-24xl": 4.8384,
  "r5.metal": 6.048,
};

/** Regions price the same hardware differently; eu-west-1 is dearer, as on AWS. */
const REGION_FACTOR: Readonly<Record<(typeof SIM_REGIONS)[number], number>> = {
  "us-east-1": 1,
  "us-west-2": 1,
  "eu-west-1": 1.12,
};

const REGION_LOCATION: Readonly<Record<(typeof SIM_REGIONS)[number], string>> = {
  "us-east-1": "US East (N. Virginia)",
  "us-west-2": "US West (Oregon)",
  "eu-west-1": "EU (Ireland)",
};

/** USD per GB-month by EBS volume type in us-east-1. */
const EBS_GB_MONTH_USD: Readonly<Record<string, number>> = { gp3: 0.08, gp2: 0.1, io2: 0.125 };

/** One product of the price list: its attributes and its on-demand price. */
export interface SimPriceProduct {
  readonly sku: string;
  readonly productFamily: "Compute Instance" | "Storage";
  readonly attributes: Readonly<Record<string, string>>;
  readonly unit: "Hrs" | "GB-Mo";
  readonly usd: number;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function computeProducts(): SimPriceProduct[] {
  return SIM_REGIONS.flatMap((region) =>
    Object.entries(US_EAST_1_LINUX_HOURLY_USD).flatMap(([instanceType, usd]) =>
      // Windows and dedicated tenancy are listed too, as on AWS, so that only the right filters find Linux shared.
      (
        [
          ["Linux", "Shared", 1],
          ["Windows", "Shared", 1.8],
          ["Linux", "Dedicated", 1.1],
        ] as const
      ).map(([operatingSystem, tenancy, factor]) => ({
        sku: `SIM${region}${instanceType}${operatingSystem}${tenancy}`.replace(/[^A-Za-z0-9]/g, ""),
        productFamily: "Compute Instance" as const,
        attributes: {
          servicecode: "AmazonEC2",
          instanceType,
          regionCode: region,
          location: REGION_LOCATION[region],
          operatingSystem,
          tenancy,
          preInstalledSw: "NA",
          capacitystatus: "Used",
          licenseModel: "No License required",
          usagetype: `BoxUsage:${instanceType}`,
        },
        unit: "Hrs" as const,
        usd: round(usd * REGION_FACTOR[region] * factor),
      })),
    ),
  );
}

function storageProducts(): SimPriceProduct[] {
  return SIM_REGIONS.flatMap((region) =>
    Object.entries(EBS_GB_MONTH_USD).map(([volumeApiName, usd]) => ({
      sku: `SIM${region}EBS${volumeApiName}`.replace(/[^A-Za-z0-9]/g, ""),
      productFamily: "Storage" as const,
      attributes: {
        servicecode: "AmazonEC2",
        volumeApiName,
        regionCode: region,
        location: REGION_LOCATION[region],
        usagetype: `EBS:VolumeUsage.${volumeApiName}`,
      },
      unit: "GB-Mo" as const,
      usd: round(usd * REGION_FACTOR[region]),
    })),
  );
}

export const SIM_PRICE_PRODUCTS: readonly SimPriceProduct[] = [...computeProducts(), ...storageProducts()];

/** A product as the Price List API returns it: one JSON document, sent as a string. */
export function priceListDocument(product: SimPriceProduct): string {
  const term = `${product.sku}.JRTCKXETXF`;
  return JSON.stringify({
    product: {
      productFamily: product.productFamily,
      attributes: product.attributes,
      sku: product.sku,
    },
    serviceCode: "AmazonEC2",
    terms: {
      OnDemand: {
        [term]: {
          priceDimensions: {
            [`${term}.6YS6EN2CT7`]: {
              unit: product.unit,
              endRange: "Inf",
              description: `$${product.usd} per ${product.unit}`,
              appliesTo: [],
              rateCode: `${term}.6YS6EN2CT7`,
              beginRange: "0",
              pricePerUnit: { USD: product.usd.toFixed(10) },
            },
          },
          sku: product.sku,
          effectiveDate: "2026-11-01T00:00:00Z",
          offerTermCode: "JRTCKXETXF",
          termAttributes: {},
        },
      },
    },
    version: "20261101000000",
    publicationDate: "2026-11-01T00:00:00Z",
  });
}
