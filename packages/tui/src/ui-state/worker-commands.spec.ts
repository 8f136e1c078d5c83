import { describe, expect, it } from "vitest";
import { findSchedule, parseSnapshotDescription, SNAPSHOT_DESCRIPTION_MAX } from "./worker-commands";

describe(":snapshot's description", () => {
  it("is optional, trimmed, plain text and bounded", () => {
    expect(parseSnapshotDescription("")).toEqual({ kind: "ok", text: null });
    expect(parseSnapshotDescription("  before the exam ")).toEqual({ kind: "ok", text: "before the exam" });
    expect(parseSnapshotDescription("a\u0007b").kind).toBe("refused");
    expect(parseSnapshotDescription("x".repeat(SNAPSHOT_DESCRIPTION_MAX)).kind).toBe("ok");
    expect(parseSnapshotDescription("x".repeat(SNAPSHOT_DESCRIPTION_MAX + 1)).kind).toBe("refused");
  });
});

describe(":schedule's name", () => {
  const schedules = [
    { id: "sch-1", name: "lab-hours" },
    { id: "sch-2", name: "Nights" },
  ];
  it("finds a schedule by id or by name, whatever its case", () => {
    expect(findSchedule(schedules, "sch-2")?.name).toBe("Nights");
    expect(findSchedule(schedules, "LAB-HOURS")?.id).toBe("sch-1");
    expect(findSchedule(schedules, "weekends")).toBeUndefined();
  });
});
