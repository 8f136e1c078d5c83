import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { settingsReference } from "../../src/settings/settings-reference";
import { withSettingsReference } from "../../src/settings/settings-reference-markdown";

const readme = readFileSync(fileURLToPath(new URL("../../../../README.md", import.meta.url)), "utf8");

describe("the README's configuration reference", () => {
  it("is exactly what the settings schema generates (run `pnpm docs:settings` after changing settings)", () => {
    expect(withSettingsReference(readme)).toBe(readme);
  });

  it("names every setting", () => {
    for (const setting of settingsReference()) {
      expect(readme).toContain(`\`${setting.env}\``);
    }
  });
});
