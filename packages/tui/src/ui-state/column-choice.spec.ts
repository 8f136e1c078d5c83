import { describe, expect, it } from "vitest";
import { applyColumnArguments, describeHidden, toggleColumn } from "./column-choice";

const NONE = new Set<string>();

describe(":columns", () => {
  it("hides with -, shows with +, toggles a bare name", () => {
    const first = applyColumnArguments(NONE, "-cpu -spark,license");
    expect(first).toEqual({ kind: "changed", hidden: new Set(["cpu", "spark", "license"]) });
    if (first.kind !== "changed") {
      throw new Error("refused");
    }
    expect(applyColumnArguments(first.hidden, "+CPU license")).toEqual({
      kind: "changed",
      hidden: new Set(["spark"]),
    });
    expect(describeHidden(first.hidden)).toBe("hidden columns: license cpu spark");
    expect(describeHidden(NONE)).toBe("every column shown");
  });

  it("refuses an unknown column or hiding the name, changing nothing", () => {
    const hidden = new Set(["cpu"]);
    expect(applyColumnArguments(hidden, "-region -bogus")).toEqual({
      kind: "refused",
      message: expect.stringMatching(/^No column "-bogus" \(columns: name region status/),
    });
    expect(applyColumnArguments(hidden, "-name")).toEqual({
      kind: "refused",
      message: "The name column is always shown",
    });
    expect(toggleColumn(hidden, "name")).toEqual({
      kind: "refused",
      message: "The name column is always shown",
    });
    expect(hidden).toEqual(new Set(["cpu"]));
  });
});
