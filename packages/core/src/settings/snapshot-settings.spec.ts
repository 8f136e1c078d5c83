import { describe, expect, it } from "vitest";
import { loadSettings } from "./load-settings";
import { SettingsError } from "./settings-error";

// What the setting changes is shown end to end in packages/local/test/snapshots-end-to-end.test.ts
// (with CML_SNAPSHOT_KEEP=1 the older snapshot is deleted from EC2 and the list); here, how it is read.
describe("the snapshot retention setting", () => {
  it("keeps every snapshot by default (and with 0)", () => {
    expect(loadSettings({}).snapshots).toEqual({ keepPerWorker: null });
    expect(loadSettings({ CML_SNAPSHOT_KEEP: "0" }).snapshots).toEqual({ keepPerWorker: null });
  });

  it("reads CML_SNAPSHOT_KEEP", () => {
    expect(loadSettings({ CML_SNAPSHOT_KEEP: "3" }).snapshots).toEqual({ keepPerWorker: 3 });
  });

  it("refuses a negative count, naming the variable", () => {
    let problems: readonly string[] = [];
    try {
      loadSettings({ CML_SNAPSHOT_KEEP: "-1" });
    } catch (error) {
      problems = error instanceof SettingsError ? error.problems : [];
    }
    expect(problems).toEqual([expect.stringMatching(/^CML_SNAPSHOT_KEEP.*between 0 and 1000/)]);
  });
});
