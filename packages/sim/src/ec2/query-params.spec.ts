import { describe, expect, it } from "vitest";
import { QueryParams, readFilters, readTags, wildcardMatcher } from "./query-params";

describe("QueryParams", () => {
  const params = QueryParams.parse(
    "Action=DescribeInstances&InstanceId.2=i-b&InstanceId.1=i-a&InstanceId.10=i-j" +
      "&Filter.1.Name=tag%3Acml-fleet%3Amanaged&Filter.1.Value.1=true&Filter.2.Name=instance-state-name" +
      "&Filter.2.Value.1=running&Filter.2.Value.2=stopped&Tag.1.Key=Name&Tag.1.Value=w1&Tag.2.Key=gone",
  );

  it("reads numbered lists in index order", () => {
    expect(params.list("InstanceId")).toEqual(["i-a", "i-b", "i-j"]);
  });

  it("reads filters and tags", () => {
    expect(readFilters(params)).toEqual([
      { name: "tag:cml-fleet:managed", values: ["true"] },
      { name: "instance-state-name", values: ["running", "stopped"] },
    ]);
    expect(readTags(params, "Tag")).toEqual([
      { key: "Name", value: "w1" },
      { key: "gone", value: undefined },
    ]);
  });

  it("fingerprints independently of parameter order", () => {
    const a = QueryParams.parse("ImageId=ami-1&MinCount=1&ClientToken=t");
    const b = QueryParams.parse("MinCount=1&ClientToken=u&ImageId=ami-1");
    expect(a.fingerprint(["ClientToken"])).toBe(b.fingerprint(["ClientToken"]));
  });
});

describe("wildcardMatcher", () => {
  it("supports * and ? and escapes everything else", () => {
    expect(wildcardMatcher("CML-2.9*")("CML-2.9.0-Ubuntu-22.04")).toBe(true);
    expect(wildcardMatcher("CML-2.9*")("CML-2X9.0")).toBe(false);
    expect(wildcardMatcher("w?")("w1")).toBe(true);
    expect(wildcardMatcher("a.b")("axb")).toBe(false);
  });
});
