import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanOutsideText, OUTSIDE_TEXT_LIMITS, TRUNCATION_MARK } from "./outside-text";

const ESC = "\u001b";
const BEL = "\u0007";
/** What a terminal would obey: C0 and C1 controls, DEL, the bidi embeddings, overrides and isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
const OBEYED = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const LONE_SURROGATE = /\p{Cs}/u;
const codePoints = (text: string) => [...text].length;

/** Pieces of real attacks, so that generated text holds whole and broken sequences, not only random bytes. */
const hostilePiece = fc.constantFrom(
  `${ESC}]2;pwned${BEL}`,
  `${ESC}]0;pwned${ESC}\\`,
  `${ESC}]52;c;aGVsbG8=${BEL}`,
  `${ESC}]8;;https://evil.example${ESC}\\`,
  `${ESC}[2J`,
  `${ESC}[H`,
  `${ESC}[31;1m`,
  `${ESC}[?1049h`,
  `${ESC}P+q${ESC}\\`,
  `${ESC}_payload${ESC}\\`,
  `${ESC}^privacy${ESC}\\`,
  `${ESC}c`,
  `${ESC}(B`,
  ESC,
  `${ESC}[`,
  `${ESC}]`,
  "\u009b2J",
  "\u009d2;pwned\u009c",
  "\u0090data\u009c",
  "\u202e",
  "\u2066",
  "\u0000",
  "\r\n",
  "\t",
  "\u2028",
);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const anyText = fc
  .array(
    fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), hostilePiece, loneSurrogate),
    {
      maxLength: 12,
    },
  )
  .map((pieces) => pieces.join(""));
const limit = fc.oneof(fc.constant(OUTSIDE_TEXT_LIMITS.message), fc.integer({ min: 1, max: 40 }));

/** Printable text as people write it in any script: no controls, no bidi overrides, already NFC. */
const printableText = fc
  .string({ unit: "grapheme", maxLength: 60 })
  .filter((text) => !OBEYED.test(text) && !/[\u2028\u2029]/u.test(text))
  .map((text) => text.normalize("NFC"));

describe("cleanOutsideText", () => {
  it("never lets a control character, an ESC, a bidi override or a lone surrogate through", () => {
    fc.assert(
      fc.property(anyText, limit, (text, max) => {
        const clean = cleanOutsideText(text, max);
        expect(clean).not.toMatch(OBEYED);
        expect(clean).not.toMatch(LONE_SURROGATE);
        expect(codePoints(clean)).toBeLessThanOrEqual(max);
      }),
      { numRuns: 2_000 },
    );
  });

  it("is idempotent: clean text comes back unchanged", () => {
    fc.assert(
      fc.property(anyText, limit, (text, max) => {
        const once = cleanOutsideText(text, max);
        expect(cleanOutsideText(once, max)).toBe(once);
      }),
      { numRuns: 2_000 },
    );
  });

  it("keeps printable text in any script unchanged", () => {
    fc.assert(
      fc.property(printableText, (text) => {
        expect(cleanOutsideText(text)).toBe(text);
      }),
      { numRuns: 2_000 },
    );
    for (const text of [
      "CCNA lab 1 — routing (OSPF)",
      "ラボ・ルーティング",
      "مختبر الشبكات",
      "प्रयोगशाला",
      "Лаборатория №5",
      "👩‍👩‍👧‍👦 family lab 🇫🇷 👍🏽",
      "a = b + c / d @ e",
    ]) {
      expect(cleanOutsideText(text)).toBe(text);
    }
  });

  it("removes whole escape sequences, not only their ESC, so no payload is left to read", () => {
    expect(cleanOutsideText(`lab ${ESC}]2;pwned${BEL}one`)).toBe("lab one");
    expect(cleanOutsideText(`lab ${ESC}]0;pwned${ESC}\\one`)).toBe("lab one");
    expect(cleanOutsideText(`${ESC}]52;c;cm0gLXJmIH4=${BEL}copy`)).toBe("copy");
    expect(cleanOutsideText(`${ESC}[2J${ESC}[Hclear`)).toBe("clear");
    expect(cleanOutsideText(`${ESC}[31mred${ESC}[0m`)).toBe("red");
    expect(cleanOutsideText(`${ESC}Ptmux;x${ESC}\\dcs`)).toBe("dcs");
    expect(cleanOutsideText("\u009d2;pwned\u0007eight-bit \u009b2Jcsi")).toBe("eight-bit csi");
    expect(cleanOutsideText(`reset${ESC}c`)).toBe("reset");
  });

  it("drops an unterminated command string up to the end, as a terminal would swallow it", () => {
    expect(cleanOutsideText(`title ${ESC}]2;pwned and the rest`)).toBe("title ");
  });

  it("keeps words apart where a line or column break was, and drops other controls and bidi overrides", () => {
    expect(cleanOutsideText("first line\r\nsecond\tcolumn")).toBe("first line  second column");
    expect(cleanOutsideText("nul\u0000byte bell\u0007")).toBe("nulbyte bell");
    expect(cleanOutsideText("invoice\u202Efdp.exe")).toBe("invoicefdp.exe");
    expect(cleanOutsideText("\u2066isolated\u2069")).toBe("isolated");
  });

  it("normalises to NFC so one title has one spelling", () => {
    expect(cleanOutsideText("Cafe\u0301")).toBe("Café");
  });

  it("replaces a lone surrogate, which no database or terminal can encode, with U+FFFD", () => {
    expect(cleanOutsideText("broken \ud800 pair")).toBe("broken \ufffd pair");
  });

  it("bounds the length in code points, cutting between whole characters and marking the cut", () => {
    expect(cleanOutsideText("x".repeat(600))).toBe(`${"x".repeat(499)}${TRUNCATION_MARK}`);
    expect(cleanOutsideText("abcdef", 4)).toBe(`abc${TRUNCATION_MARK}`);
    // A family emoji is seven code points; it is kept whole or not at all.
    expect(cleanOutsideText("ab👩‍👩‍👧‍👦cd", 8)).toBe(`ab${TRUNCATION_MARK}`);
    expect(cleanOutsideText("abcd", 4)).toBe("abcd");
  });
});
