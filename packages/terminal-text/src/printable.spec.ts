import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { printable } from "./printable";

const ESC = "\u001b";
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
const OBEYED = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\p{Cs}]/u;

const hostilePiece = fc.constantFrom(
  `${ESC}]2;pwned\u0007`,
  `${ESC}]0;pwned${ESC}\\`,
  `${ESC}]52;c;aGVsbG8=\u0007`,
  `${ESC}[2J`,
  `${ESC}[H`,
  `${ESC}[?1049l`,
  `${ESC}P$q${ESC}\\`,
  `${ESC}c`,
  ESC,
  `${ESC}]`,
  "\u009b2J",
  "\u009d2;pwned\u009c",
  "\u202e",
  "\u0000",
  "\r\n",
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

describe("printable: what of a text a terminal may be shown", () => {
  it("never holds a control character, an ESC, a bidi override or a lone surrogate", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(printable(text)).not.toMatch(OBEYED);
      }),
      { numRuns: 2_000 },
    );
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(printable(printable(text))).toBe(printable(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it("draws printable text in any script as it is", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme" }).filter((text) => !OBEYED.test(text) && !/[\u2028\u2029]/u.test(text)),
        (text) => {
          expect(printable(text)).toBe(text);
        },
      ),
      { numRuns: 2_000 },
    );
    expect(printable("ラボ 👩‍💻 مختبر Лаборатория")).toBe("ラボ 👩‍💻 مختبر Лаборатория");
  });

  it("removes whole sequences, so neither the effect nor its payload reaches the screen", () => {
    expect(printable(`lab ${ESC}]2;pwned\u0007one ${ESC}[2J${ESC}[Htwo`)).toBe("lab one two");
    expect(printable("line\r\nbreak")).toBe("line  break");
  });
});
