import { describe, expect, it } from "vitest";
import { aWorker, iso, T0 } from "../../test/support/fleet-factory";
import { layoutColumns, rowCells } from "./worker-columns";

describe("layoutColumns", () => {
  it("keeps every column on a wide terminal", () => {
    expect(layoutColumns(200).map((column) => column.id)).toEqual([
      "name",
      "region",
      "status",
      "owner",
      "service",
      "checks",
      "license",
      "nodes",
      "cpu",
      "spark",
      "idle",
      "schedule",
      "cost",
    ]);
  });

  it("drops the least important columns first and never exceeds the width", () => {
    for (const width of [30, 44, 60, 80, 100, 130]) {
      const columns = layoutColumns(width);
      const used = columns.reduce((sum, column) => sum + column.width, columns.length - 1);
      expect(used).toBeLessThanOrEqual(width);
      expect(columns.map((column) => column.id)).toEqual(expect.arrayContaining(["name", "status"]));
    }
    expect(layoutColumns(44).map((column) => column.id)).toEqual(["name", "status", "cpu"]);
  });
});

describe("hidden columns", () => {
  it("leaves out the hidden ones, gives their room to the others, and always keeps the name", () => {
    const hidden = new Set(["region", "spark", "name"]);
    const ids = layoutColumns(200, hidden).map((column) => column.id);
    expect(ids).toEqual([
      "name",
      "status",
      "owner",
      "service",
      "checks",
      "license",
      "nodes",
      "cpu",
      "idle",
      "schedule",
      "cost",
    ]);
    // At 80 columns, hiding two columns makes room for ones that were dropped for width.
    expect(layoutColumns(80).map((column) => column.id)).not.toContain("nodes");
    expect(layoutColumns(80, new Set(["region", "idle"])).map((column) => column.id)).toContain("nodes");
  });
});

describe("rowCells", () => {
  it("shows a keep-alive instead of the idle countdown while it lasts", () => {
    const columns = layoutColumns(200).filter((column) => column.id === "idle");
    const kept = aWorker({ idle: { isIdle: true, idleSince: iso(T0), keepAliveUntil: iso(T0 + 3_600_000) } });
    expect(rowCells(columns, { worker: kept, cpu: [] }, T0)[0]?.text.trim()).toBe("kept 1h00m");
  });
});
