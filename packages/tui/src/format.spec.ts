import { describe, expect, it } from "vitest";
import { displayWidth } from "./display-width";
import { fit, formatDuration, parseKeepAlive, progressBar, sparkline } from "./format";

describe("format", () => {
  it("draws a sparkline of the most recent samples, padded to its width", () => {
    expect(sparkline([0, 50, 100], 3)).toBe("▁▅█");
    expect(sparkline([100], 4)).toBe("   █");
    expect(sparkline([0, 0, 0, 0, 100], 2)).toBe("▁█");
  });

  it.each([
    [0, "0s"],
    [59_999, "59s"],
    [65_000, "1m05s"],
    [3_600_000 + 7 * 60_000, "1h07m"],
    [50 * 3_600_000, "2d02h"],
    [-5000, "0s"],
  ])("formats %i ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("fits text into a width, truncating with an ellipsis", () => {
    expect(fit("abcdef", 4)).toBe("abc…");
    expect(fit("ab", 4)).toBe("ab  ");
    expect(fit("ab", 4, "right")).toBe("  ab");
  });

  it.each([
    ["日本語テキスト", 6, "日本… "],
    ["日本語テキスト", 5, "日本…"],
    ["日本", 6, "日本  "],
    ["cafe\u0301", 6, "cafe\u0301  "],
    ["dev 👩‍💻", 8, "dev 👩  "],
    ["😀😀😀", 4, "😀… "],
    ["x\u001b]2;pwned\u0007y", 3, "xy "],
  ])("fits %j into exactly %i columns as %j", (text, width, fitted) => {
    expect(fit(text, width)).toBe(fitted);
    expect(displayWidth(fit(text, width))).toBe(width);
  });

  it("pads wide text on the left when aligned right", () => {
    expect(fit("日本", 6, "right")).toBe("  日本");
  });

  it("draws a progress bar", () => {
    expect(progressBar(0.5, 4)).toBe("[##--]  50%");
    expect(progressBar(null, 2)).toBe("[··]  ?%");
  });

  it.each([
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["0", 0],
    ["2", null],
    ["soon", null],
    ["", null],
  ])("reads the keep-alive %j", (text, ms) => {
    expect(parseKeepAlive(text)).toBe(ms);
  });
});
