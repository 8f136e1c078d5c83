import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import { displayWidth, takeColumns, terminalAgreeable } from "./display-width";

/** What a terminal that measures code point by code point (wcwidth, as tmux does) draws. */
function perCodePoint(text: string): number {
  return [...text].reduce((sum, codePoint) => sum + stringWidth(codePoint), 0);
}

describe("display width", () => {
  it.each([
    ["plain ascii", 11],
    ["日本語", 6],
    ["café", 4],
    ["cafe\u0301", 4],
    ["😀 ok", 5],
    ["한국어", 6],
  ])("measures %j as %i columns", (text, columns) => {
    expect(displayWidth(terminalAgreeable(text))).toBe(columns);
  });

  it.each([
    ["a ZWJ sequence", "dev 👩‍💻 lab", "dev 👩 lab"],
    ["a skin tone", "ok 👍🏽", "ok 👍"],
    ["an emoji presentation selector", "I ❤️ BGP", "I ❤ BGP"],
    ["a keycap", "lab 1️⃣", "lab 1"],
  ])("draws %s as its first code point, which every terminal draws alike", (_, text, drawn) => {
    expect(terminalAgreeable(text)).toBe(drawn);
    expect(displayWidth(drawn)).toBe(perCodePoint(drawn));
  });

  it("keeps CJK, flags, combining marks and plain emoji, where Ink and the terminal agree", () => {
    for (const text of ["日本語", "🇫🇷", "cafe\u0301", "😀", "Ελληνικά", "ñandú"]) {
      expect(terminalAgreeable(text)).toBe(text);
    }
  });

  it("keeps at most three combining marks on a character", () => {
    const zalgo = `Z${"\u0301\u0302\u0303\u0304\u0305"}!`;
    expect(terminalAgreeable(zalgo)).toBe("Z\u0301\u0302\u0303!");
  });

  it("agrees with a per-code-point terminal on every cluster it keeps", () => {
    const samples = "a日😀👩‍💻👍🏽❤️🇫🇷e\u0301한1️⃣ｗ\u200b—…●▁█";
    const drawn = terminalAgreeable(samples);
    expect(displayWidth(drawn)).toBe(perCodePoint(drawn));
  });

  it("takes whole clusters up to a number of columns, never half a wide character", () => {
    expect(takeColumns("日本語", 5)).toEqual({ text: "日本", width: 4 });
    expect(takeColumns("abcdef", 3)).toEqual({ text: "abc", width: 3 });
    expect(takeColumns("cafe\u0301s", 4)).toEqual({ text: "cafe\u0301", width: 4 });
  });
});
