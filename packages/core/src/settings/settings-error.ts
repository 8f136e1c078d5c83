import { FleetError } from "../errors";

/** The configuration is wrong; `problems` holds one line per bad value, naming it. */
export class SettingsError extends FleetError {
  readonly code = "BAD_USER_INPUT";
  constructor(readonly problems: readonly string[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems
        .map((line) => `  - ${line}`)
        .join("\n")}`,
    );
  }
}
