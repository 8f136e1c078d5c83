import { describe, expect, it } from "vitest";
import { loadSettings } from "./load-settings";
import { SettingsError } from "./settings-error";

// What the settings change is shown end to end in packages/local/test/status-checks-end-to-end.test.ts
// (a reboot after N impaired sweeps when on, none when off); here, how they are read.
describe("the status-check reboot settings", () => {
  it("are off, after 3 sweeps, by default", () => {
    expect(loadSettings({}).statusChecks).toEqual({ rebootOnImpaired: false, impairedSweepsBeforeReboot: 3 });
  });

  it("read CML_WORKER_REBOOT_ON_IMPAIRED and CML_WORKER_IMPAIRED_SWEEPS_BEFORE_REBOOT", () => {
    expect(
      loadSettings({ CML_WORKER_REBOOT_ON_IMPAIRED: "true", CML_WORKER_IMPAIRED_SWEEPS_BEFORE_REBOOT: "5" })
        .statusChecks,
    ).toEqual({ rebootOnImpaired: true, impairedSweepsBeforeReboot: 5 });
  });

  it("refuse a sweep count below one, naming the variable", () => {
    let problems: readonly string[] = [];
    try {
      loadSettings({ CML_WORKER_IMPAIRED_SWEEPS_BEFORE_REBOOT: "0" });
    } catch (error) {
      problems = error instanceof SettingsError ? error.problems : [];
    }
    expect(problems).toEqual([
      expect.stringMatching(/^CML_WORKER_IMPAIRED_SWEEPS_BEFORE_REBOOT.*between 1 and 1000/),
    ]);
  });
});
