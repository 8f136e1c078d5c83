import { describe, expect, it } from "vitest";
import { fleetSettingsHelp, settingsHelp } from "./settings-help";
import { settingsReference } from "./settings-reference";

describe("settingsHelp", () => {
  it("gives each setting its description's first sentence and its default, in the order asked", () => {
    expect(settingsHelp(["REDIS_URL", "NODE_ENV", "DATABASE_URL"])).toEqual([
      {
        name: "REDIS_URL",
        description: "Redis for job queues and live updates. Default: redis://127.0.0.1:6379.",
      },
      { name: "NODE_ENV", description: "Runtime mode. Default: development." },
      {
        name: "DATABASE_URL",
        description: expect.stringMatching(/^Postgres connection string; [^.]*\.$/),
      },
    ]);
  });

  it("refuses a name that is no setting, so a --help cannot list a variable nothing reads", () => {
    expect(() => settingsHelp(["REDIS_URL", "REDIS_ADDRESS"])).toThrow("REDIS_ADDRESS is not a setting");
  });

  it("leads a fleet process's list with the settings file and the settings every process reads", () => {
    const names = fleetSettingsHelp(["PORT"]).map((entry) => entry.name);
    expect(names[0]).toBe("CML_FLEET_CONFIG");
    expect(names.at(-1)).toBe("PORT");
    const known = new Set(settingsReference().map((setting) => setting.env));
    expect(names.slice(1).every((name) => known.has(name))).toBe(true);
  });
});
