import { type Filter, GetProductsCommand, type PricingClient } from "@aws-sdk/client-pricing";
import type { PriceList } from "../../../ports/price-list.port";
import { priceIn } from "./price-list-documents";

/** Regions that serve the Price List Query API; it prices every region from any of them. */
export const PRICING_API_REGIONS = ["us-east-1", "eu-central-1", "ap-south-1"] as const;
export type PricingApiRegion = (typeof PRICING_API_REGIONS)[number];

function termMatch(field: string, value: string): Filter {
  return { Type: "TERM_MATCH", Field: field, Value: value };
}

/** Every page of GetProducts for AmazonEC2 with these filters; a handful of products at most. */
async function products(client: PricingClient, filters: Filter[]): Promise<string[]> {
  const documents: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetProductsCommand({
        ServiceCode: "AmazonEC2",
        FormatVersion: "aws_v1",
        Filters: filters,
        MaxResults: 100,
        NextToken: nextToken,
      }),
    );
    documents.push(...(page.PriceList ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined && nextToken !== "");
  return documents;
}

/**
 * The Price List API through `@aws-sdk/client-pricing`. Workers are launched
 * with default tenancy from Linux AMIs that carry no licence, so the product
 * is Linux, shared tenancy (metal types are listed as shared too: the host
 * is the instance), no pre-installed software, capacity used on demand.
 */
export function createAwsPriceList(client: PricingClient): PriceList {
  return {
    async instanceHourlyUsd(instanceType, region) {
      const documents = await products(client, [
        termMatch("instanceType", instanceType),
        termMatch("regionCode", region),
        termMatch("operatingSystem", "Linux"),
        termMatch("tenancy", "Shared"),
        termMatch("preInstalledSw", "NA"),
        termMatch("capacitystatus", "Used"),
        termMatch("licenseModel", "No License required"),
      ]);
      return priceIn(documents, "Hrs");
    },
    async storageGbMonthUsd(volumeType, region) {
      const documents = await products(client, [
        termMatch("productFamily", "Storage"),
        termMatch("volumeApiName", volumeType),
        termMatch("regionCode", region),
      ]);
      return priceIn(documents, "GB-Mo");
    },
  };
}
