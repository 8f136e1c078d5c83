import { describe, expect, it } from "vitest";
import { simulatorOptionsFromEnv } from "./options-from-env";

describe("simulatorOptionsFromEnv", () => {
  it("keeps the simulated cloud in memory unless SIM_STATE_PATH names a file", () => {
    expect(simulatorOptionsFromEnv({}).statePath).toBeUndefined();
    expect(simulatorOptionsFromEnv({ SIM_STATE_PATH: "" }).statePath).toBeUndefined();
    expect(simulatorOptionsFromEnv({ SIM_STATE_PATH: "/var/lib/sim/state.json" }).statePath).toBe(
      "/var/lib/sim/state.json",
    );
  });

  it("falls back to the fleet's CML account and reads durations with units", () => {
    const options = simulatorOptionsFromEnv({
      CML_USERNAME: "svc",
      CML_PASSWORD: "pw",
      SIM_BOOT_DELAY: "2s",
    });
    expect(options).toMatchObject({ cmlUsername: "svc", cmlPassword: "pw", bootDelayMs: 2000 });
    expect(simulatorOptionsFromEnv({ SIM_CML_PASSWORD: "own", CML_PASSWORD: "pw" }).cmlPassword).toBe("own");
  });

  it("reads durations in the fleet's one grammar, and names the variable of one it cannot read", () => {
    expect(simulatorOptionsFromEnv({ SIM_BOOT_DELAY: "1m30s" }).bootDelayMs).toBe(90_000);
    expect(() => simulatorOptionsFromEnv({ SIM_STOP_DELAY: "90" })).toThrow(
      /SIM_STOP_DELAY: invalid duration '90'/,
    );
  });
});
