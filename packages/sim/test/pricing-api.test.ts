import { describe, expect, it } from "vitest";
import { control } from "./support/control";
import { useSimulator } from "./support/simulator";

/** One Price List API call as the SDK sends it: AWS JSON 1.1 on `POST /`. */
async function pricing(url: string, action: string, body: unknown) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSPriceListService.${action}`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the simulated AWS Price List API", () => {
  const suite = useSimulator({});

  it("answers GetProducts with each product as a JSON document in a string, filtered by attributes", async () => {
    const { status, body } = await pricing(suite.sim.url, "GetProducts", {
      ServiceCode: "AmazonEC2",
      FormatVersion: "aws_v1",
      Filters: [
        { Type: "TERM_MATCH", Field: "instanceType", Value: "c5.2xlarge" },
        { Type: "TERM_MATCH", Field: "regionCode", Value: "us-west-2" },
        { Type: "TERM_MATCH", Field: "operatingSystem", Value: "linux" },
        { Type: "TERM_MATCH", Field: "tenancy", Value: "Shared" },
      ],
    });
    expect(status).toBe(200);
    expect(body.FormatVersion).toBe("aws_v1");
    const list = body.PriceList as string[];
    expect(list).toHaveLength(1);
    const product = JSON.parse(list[0] ?? "{}");
    expect(product.product.attributes).toMatchObject({ instanceType: "c5.2xlarge", regionCode: "us-west-2" });
    const [term] = Object.values(product.terms.OnDemand) as { priceDimensions: Record<string, unknown> }[];
    expect(Object.values(term?.priceDimensions ?? {})).toEqual([
      expect.objectContaining({ unit: "Hrs", pricePerUnit: { USD: "0.3570000000" } }),
    ]);
  });

  it("pages 100 products at a time with NextToken", async () => {
    const first = await pricing(suite.sim.url, "GetProducts", { ServiceCode: "AmazonEC2" });
    expect(first.body.PriceList).toHaveLength(100);
    expect(first.body.NextToken).toBe("100");
    const second = await pricing(suite.sim.url, "GetProducts", {
      ServiceCode: "AmazonEC2",
      NextToken: "100",
    });
    // 3 regions x (15 instance types x 3 variants + 3 volume types) = 144 products.
    expect(second.body.PriceList).toHaveLength(44);
    expect(second.body.NextToken).toBeUndefined();
  });

  it("refuses another service code, and counts every call under pricing in /_sim/stats", async () => {
    await control(suite.sim.url, "DELETE", "/_sim/stats");
    const refused = await pricing(suite.sim.url, "GetProducts", { ServiceCode: "AmazonS3" });
    expect(refused.status).toBe(400);
    expect(refused.body.__type).toBe("NotFoundException");
    const stats = await control<{ pricing: Record<string, number> }>(suite.sim.url, "GET", "/_sim/stats");
    expect(stats.pricing).toEqual({ GetProducts: 1 });
  });

  it("fails as the faults say: a denied GetProducts is AccessDeniedException", async () => {
    await control(suite.sim.url, "PUT", "/_sim/faults", { denyActions: ["GetProducts"] });
    try {
      const denied = await pricing(suite.sim.url, "GetProducts", { ServiceCode: "AmazonEC2" });
      expect(denied.status).toBe(400);
      expect(denied.body.__type).toBe("AccessDeniedException");
    } finally {
      await control(suite.sim.url, "PUT", "/_sim/faults", { denyActions: [] });
    }
  });
});
