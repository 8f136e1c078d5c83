import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors";
import { checkOptionalText, checkText, TEXT_RULES, type TextKind, unsafeCharacterIn } from "./input-text";
import { JOB_KINDS, jobKindOfId, workerJobId } from "./job";

const KINDS = Object.keys(TEXT_RULES) as TextKind[];
const WORKER_ID = "0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c";

/** Characters that are not text: C0 (tab and newline included), DEL, C1, separators, bidi controls, BOM. */
const UNSAFE = [
  "\u0000",
  "\t",
  "\n",
  "\r",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u009b",
  "\u2028",
  "\u2029",
  "\u202e",
  "\u2066",
  "\u200f",
  "\ufeff",
  "\ud800",
];

/** A valid example of each kind, so that one bad character is the only thing wrong. */
const EXAMPLES: Record<TextKind, string> = {
  workerId: WORKER_ID,
  apiTokenId: WORKER_ID,
  jobId: workerJobId("stop", WORKER_ID),
  workerName: "ccna-lab-1",
  tagKey: "Course Name",
  tagValue: "CCNA @ 2026 / spring: +1=2",
  labId: "6b3e4a9c-2f1d-4e8b-9c7a-0d5e6f7a8b9c",
  reason: "students are done for the day; see ticket #42",
  search: "lab",
  cursor: "WyIyMDI2LTAxLTAxIiwidyJd",
  region: "us-east-1",
  instanceType: "c5.2xlarge",
  amiId: "ami-0123456789abcdef0",
  instanceId: "i-0123456789abcdef0",
  idempotencyKey: "create-lab-1",
  ownerName: "student.1@example.edu",
  licenseToken: "NWE0ZmQ4ZjAtYjVhZC00OTI5LWI3",
  tokenName: "ci bot@example",
  scheduleName: "CCNA spring (Paris) 2026",
  scheduleId: WORKER_ID,
  auditActor: "system:idle-auto-stop",
  auditAction: "stopWorker",
};

function refusal(kind: TextKind, field: string, value: string): string {
  try {
    checkText(kind, field, value);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).message;
  }
  throw new Error(`${kind} accepted ${JSON.stringify(value)}`);
}

describe("input text", () => {
  it.each(KINDS)("accepts a plain %s", (kind) => {
    expect(checkText(kind, "arg", EXAMPLES[kind])).toBe(EXAMPLES[kind]);
  });

  const unsafeCases = KINDS.flatMap((kind) =>
    UNSAFE.map((character) => ({ kind, character, code: (character.codePointAt(0) ?? 0).toString(16) })),
  );
  it.each(unsafeCases)("refuses a $kind holding the character U+$code", ({ kind, character }) => {
    const example = EXAMPLES[kind];
    const value = `${example.slice(0, 2)}${character}${example.slice(2)}`;
    const message = refusal(kind, "input.arg", value);
    expect(message).toMatch(/^input\.arg: must not contain control/);
  });

  it("names the character and where it is, never echoing the text itself", () => {
    const message = refusal("reason", "reason", "stop\u0000now");
    expect(message).toBe(
      "reason: must not contain control, line-separator or invisible formatting characters (found U+0000 at position 4)",
    );
    expect(message).not.toContain("stop");
  });

  it("counts length in code points, as AWS does for tags", () => {
    // U+1D49C is a letter outside the BMP: 128 of them are 256 UTF-16 units, still 128 characters.
    const letters = "\u{1D49C}".repeat(128);
    expect(checkText("tagKey", "k", letters)).toBe(letters);
    expect(refusal("tagKey", "k", `${letters}a`)).toBe("k: must be at most 128 characters (got 129)");
    expect(checkText("tagValue", "v", "界".repeat(256))).toHaveLength(256);
    expect(refusal("tagValue", "v", "界".repeat(257))).toBe("v: must be at most 256 characters (got 257)");
  });

  it("bounds free text: a reason is at most 500 characters", () => {
    expect(checkText("reason", "reason", "x".repeat(500))).toHaveLength(500);
    expect(refusal("reason", "reason", "x".repeat(500_000))).toBe(
      "reason: must be at most 500 characters (got 500000)",
    );
  });

  it("keeps tags to EC2's characters: a space, but no tab or newline", () => {
    expect(refusal("tagValue", "tags[0].value", "a\nb")).toMatch(/must not contain control/);
    expect(refusal("tagValue", "tags[0].value", "semi;colon")).toMatch(/letters, digits, spaces/);
  });

  it.each([
    ["workerId", "missing"],
    ["workerId", `${WORKER_ID}x`],
    ["jobId", "meta"],
    ["jobId", "id"],
    ["jobId", "wait"],
    ["jobId", "stop.x:y"],
    ["jobId", "nope.123"],
    ["region", "mars-1"],
    ["instanceId", "web-1"],
    ["amiId", "ami-XYZ"],
    ["instanceType", "c5 large"],
    ["cursor", "not a cursor"],
    ["tokenName", ""],
    ["auditAction", "stopWorker,startWorker"],
    ["auditActor", ""],
  ] as const)("refuses the %s %j with the rule", (kind, value) => {
    expect(refusal(kind, "arg", value)).toMatch(/^arg: must (be|not be empty)/);
  });

  it("leaves an optional argument that was not given as null", () => {
    expect(checkOptionalText("reason", "reason", undefined)).toBeNull();
    expect(checkOptionalText("reason", "reason", null)).toBeNull();
  });

  it("property: any text with an unsafe character is refused, whatever its kind and length", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS),
        fc.string({ maxLength: 40 }),
        fc.constantFrom(...UNSAFE),
        fc.string({ maxLength: 40 }),
        (kind, before, character, after) => {
          expect(() => checkText(kind, "arg", `${before}${character}${after}`)).toThrow(ValidationError);
        },
      ),
    );
  });

  it("property: whatever a kind accepts has no unsafe character and fits its length", () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.string({ unit: "binary", maxLength: 300 }), (kind, value) => {
        let accepted: string | null = null;
        try {
          accepted = checkText(kind, "arg", value);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
        }
        if (accepted !== null) {
          expect(unsafeCharacterIn(accepted)).toBeNull();
          expect([...accepted].length).toBeLessThanOrEqual(TEXT_RULES[kind].maxLength);
        }
      }),
    );
  });
});

describe("job ids", () => {
  it.each(JOB_KINDS)("knows the kind of a %s job id as the queue makes it", (kind) => {
    expect(jobKindOfId(workerJobId(kind, WORKER_ID))).toBe(kind);
    expect(jobKindOfId(`${kind}.${WORKER_ID}.2`)).toBe(kind);
  });

  it("knows the sweeps the scheduler makes, and nothing else that looks like one", () => {
    expect(jobKindOfId("repeat:telemetry-sweep:1764480000000")).toBe("telemetry-sweep");
    expect(jobKindOfId("repeat:stop:1764480000000")).toBeNull();
    expect(jobKindOfId("repeat:telemetry-sweep:")).toBeNull();
  });

  it.each(["meta", "id", "wait", "events", "", ".x", "stop.", "stop..1", "stop.a b", "bull:stop:1"])(
    "names no job with %j",
    (id) => {
      expect(jobKindOfId(id)).toBeNull();
    },
  );
});
