import { describe, expect, it } from "vitest";
import {
  EC2_INSTANCE_STATES,
  EC2_STATE_CODES,
  isEc2InstanceState,
  workerStatusFromEc2,
} from "./worker-status";

describe("workerStatusFromEc2", () => {
  it.each([
    ["pending", "PENDING"],
    ["running", "RUNNING"],
    ["stopping", "STOPPING"],
    ["stopped", "STOPPED"],
    ["shutting-down", "SHUTTING_DOWN"],
    ["terminated", "TERMINATED"],
  ])("maps EC2 %s to %s", (state, status) => {
    expect(workerStatusFromEc2(state)).toBe(status);
  });

  it.each(["hibernating", "Running", "", "rebooting"])("maps an unknown EC2 state %j to UNKNOWN", (state) => {
    expect(workerStatusFromEc2(state)).toBe("UNKNOWN");
  });

  it("knows EC2's numeric state codes for every state", () => {
    expect(EC2_INSTANCE_STATES.map((state) => EC2_STATE_CODES[state])).toEqual([0, 16, 32, 48, 64, 80]);
  });

  it("recognises exactly EC2's state names", () => {
    expect(EC2_INSTANCE_STATES.every(isEc2InstanceState)).toBe(true);
    expect(isEc2InstanceState("RUNNING")).toBe(false);
  });
});
