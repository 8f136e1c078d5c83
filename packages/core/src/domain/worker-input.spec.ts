import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors";
import { MAX_USER_TAGS, validateIdempotencyKey, validateTags, validateWorkerName } from "./worker-input";

describe("worker input", () => {
  it("accepts plain names and trims them", () => {
    expect(validateWorkerName("  ccna-lab_1.a ")).toBe("ccna-lab_1.a");
  });

  it.each(["", "-leading-dash", "has space", "x".repeat(64), "semi;colon"])("refuses the name %j", (name) => {
    expect(() => validateWorkerName(name)).toThrow(ValidationError);
  });

  it("accepts tags at EC2's limits", () => {
    const tags = validateTags([
      { key: "k".repeat(128), value: "v".repeat(256) },
      { key: "Course Name", value: "CCNA @ 2026 / spring: +1=2" },
      { key: "empty", value: "" },
    ]);
    expect(Object.keys(tags)).toHaveLength(3);
  });

  it.each([
    ["a key too long", [{ key: "k".repeat(129), value: "v" }]],
    ["a value too long", [{ key: "k", value: "v".repeat(257) }]],
    ["an empty key", [{ key: "", value: "v" }]],
    ["a character EC2 refuses", [{ key: "k", value: "semi;colon" }]],
    ["the Name tag", [{ key: "name", value: "x" }]],
    ["an aws: key", [{ key: "AWS:x", value: "x" }]],
    ["a fleet key", [{ key: "cml-fleet:worker-id", value: "x" }]],
    [
      "a key twice",
      [
        { key: "a", value: "1" },
        { key: "a", value: "2" },
      ],
    ],
    ["too many tags", Array.from({ length: MAX_USER_TAGS + 1 }, (_, i) => ({ key: `k${i}`, value: "v" }))],
  ])("refuses %s", (_label, pairs) => {
    expect(() => validateTags(pairs)).toThrow(ValidationError);
  });

  it("takes idempotency keys of 1-64 printable ASCII characters", () => {
    expect(validateIdempotencyKey("create-7f3a")).toBe("create-7f3a");
    expect(() => validateIdempotencyKey("x".repeat(65))).toThrow(ValidationError);
    expect(() => validateIdempotencyKey("with space")).toThrow(ValidationError);
  });
});
