import { unsafeCharacterIn } from "@cml-fleet/core/domain/input-text";
import { describe, expect, it } from "vitest";
import { printableJson } from "./printable-json";

describe("printableJson", () => {
  it("keeps the policy numbers of an auto-stop as they are", () => {
    const data = {
      idleMinutes: 32,
      thresholdMinutes: 30,
      warnedAt: "2026-11-30T06:00:00.000Z",
      enabled: true,
    };
    expect(printableJson(data)).toEqual(data);
  });

  it("removes escape sequences and control characters from values and keys, however deep", () => {
    const hostile = {
      "title\u001b]0;owned\u0007": "lab\u001b[2J\u0000 one",
      labs: [{ title: "\u009b31mred\u202e" }],
    };
    expect(printableJson(hostile)).toEqual({ title: "lab one", labs: [{ title: "red" }] });
    const served = JSON.stringify(printableJson(hostile));
    // JSON.stringify writes a C0 control as a \u escape, and leaves C1 and bidi controls as they are.
    expect(served).not.toContain("\\u");
    expect(unsafeCharacterIn(served)).toBeNull();
  });

  it("turns what JSON cannot carry into null and dates into ISO text", () => {
    expect(
      printableJson({ nan: Number.NaN, big: 10n, at: new Date("2026-11-30T06:00:00Z"), gone: undefined }),
    ).toEqual({ nan: null, big: null, at: "2026-11-30T06:00:00.000Z", gone: null });
  });

  it("cuts nesting past its depth and bounds long strings", () => {
    let deep: unknown = "bottom";
    for (let level = 0; level < 20; level += 1) {
      deep = { level: deep };
    }
    expect(JSON.stringify(printableJson(deep))).not.toContain("bottom");
    expect(String(printableJson("x".repeat(5_000))).length).toBeLessThanOrEqual(500);
  });
});
