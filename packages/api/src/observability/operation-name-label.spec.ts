import { describe, expect, it } from "vitest";
import { createOperationNameLabel } from "./operation-name-label";

describe("createOperationNameLabel", () => {
  it("keeps the first distinct well-formed names up to the limit, then reports `other`", () => {
    const label = createOperationNameLabel(2);
    expect(label("Workers")).toBe("Workers");
    expect(label("StartWorker")).toBe("StartWorker");
    expect(label("Workers")).toBe("Workers");
    expect(label("FleetSummary")).toBe("other");
    expect(label("StartWorker")).toBe("StartWorker");
  });

  it("names unnamed operations `anonymous` and refuses names that are not GraphQL names", () => {
    const label = createOperationNameLabel(10);
    expect(label(undefined)).toBe("anonymous");
    expect(label("")).toBe("anonymous");
    expect(label("drop table; --")).toBe("other");
    expect(label("x".repeat(65))).toBe("other");
  });
});
