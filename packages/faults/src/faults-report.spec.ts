import { describe, expect, it } from "vitest";
import { median, renderReport, rowsOfReport, type ScenarioFigures } from "./faults-report";

const row = (order: number, overrides: Partial<ScenarioFigures> = {}): ScenarioFigures => ({
  order,
  scenario: `scenario ${order}`,
  faultsTried: 20,
  workers: 4,
  converged: 4,
  duplicateInstances: 0,
  orphans: 0,
  secondsToConverge: [3, 1, 2],
  seed: 42,
  passed: true,
  notes: "a | b",
  ...overrides,
});

describe("bench/FAULTS.md", () => {
  it("lists the rows by scenario whatever order they come in, the same text for the same rows", () => {
    const text = renderReport([row(3), row(1)]);
    expect(renderReport([row(1), row(3)])).toBe(text);
    const table = text.split("\n").filter((line) => /^\| \d/.test(line));
    expect(table).toEqual([
      "| 1 | scenario 1 | 20 | 4 | 4/4 | 0 | 0 | 3.0 / 2.0 | 42 | pass | a \\| b |",
      "| 3 | scenario 3 | 20 | 4 | 4/4 | 0 | 0 | 3.0 / 2.0 | 42 | pass | a \\| b |",
    ]);
  });

  it("says FAIL and - for a scenario that did not converge", () => {
    const text = renderReport([row(2, { passed: false, converged: 1, secondsToConverge: [] })]);
    expect(text).toContain("| 2 | scenario 2 | 20 | 4 | 1/4 | 0 | 0 | - / - | 42 | FAIL |");
  });

  it("keeps its rows, so a run of one scenario replaces only its own", () => {
    const rows = [row(1), row(4, { notes: "kept" })];
    expect(rowsOfReport(renderReport(rows))).toEqual(rows);
    expect(rowsOfReport("# no data here\n")).toEqual([]);
  });

  it("takes the median of an even and an odd count", () => {
    expect(median([4, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
