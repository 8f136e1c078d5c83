import { SettingsError } from "../../src/settings/settings-error";

/** The problems a settings load refuses with; fails the test when it loads, or throws anything else. */
export function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof SettingsError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error("expected a SettingsError");
}
