import { describe, expect, it } from "vitest";
import { printableOr } from "./terminal-text";

describe("printableOr", () => {
  it("draws an absent field as the placeholder and a present one printable", () => {
    expect(printableOr(null, "-")).toBe("-");
    expect(printableOr(undefined, "-")).toBe("-");
    expect(printableOr("x\u001b[31m", "-")).toBe("x");
  });
});
