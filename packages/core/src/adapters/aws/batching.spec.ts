import { describe, expect, it } from "vitest";
import { chunk, collectPages } from "./batching";

describe("chunk", () => {
  it("splits into chunks of at most the given size", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});

describe("collectPages", () => {
  it("follows NextToken until it is absent and stops early when asked", async () => {
    const pages: Record<string, { NextToken?: string; items: number[] }> = {
      start: { NextToken: "b", items: [1] },
      b: { NextToken: "c", items: [2] },
      c: { items: [3] },
    };
    const seen: (string | undefined)[] = [];
    const items: number[] = [];
    await collectPages(
      async (token) => {
        seen.push(token);
        return pages[token ?? "start"] ?? { items: [] };
      },
      (page) => {
        items.push(...page.items);
        return false;
      },
    );
    expect(seen).toEqual([undefined, "b", "c"]);
    expect(items).toEqual([1, 2, 3]);

    let calls = 0;
    await collectPages(
      async (token) => {
        calls += 1;
        return pages[token ?? "start"] ?? { items: [] };
      },
      () => true,
    );
    expect(calls).toBe(1);
  });
});
