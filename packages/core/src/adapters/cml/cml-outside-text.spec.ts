import { describe, expect, it } from "vitest";
import { CmlError } from "../../errors";
import { userActivity } from "./cml-activity";
import { cmlMessage, parseAnswer } from "./cml-errors";
import { toLicensing } from "./cml-licensing";
import {
  licensingSchema,
  systemInformationSchema,
  systemStatsSchema,
  telemetryEventsSchema,
} from "./cml-schemas";

/** Answers no simulated CML gives (the simulator's license and version text is its own): parsed as CML sends them. */
const ESC = "\u001b";
const HOSTILE = `${ESC}]2;pwned\u0007${ESC}]52;c;cm0gLXJmIH4=\u0007${ESC}[2J`;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
const OBEYED = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

describe("CML answers hold no text a terminal would obey once parsed", () => {
  it("cleans the license statuses CML reports, and still reads them", () => {
    const answer = licensingSchema.parse({
      registration: { status: `COMPLETED${HOSTILE}`, expires: null },
      authorization: { status: `IN_COMPLIANCE\u202E${HOSTILE}`, expires: null },
      features: [],
    });

    const licensing = toLicensing(answer);

    expect(licensing).toMatchObject({
      status: "REGISTERED",
      registrationStatus: "COMPLETED",
      authorizationStatus: "IN_COMPLIANCE",
    });
  });

  it("cleans and bounds the version CML names", () => {
    const answer = systemInformationSchema.parse({
      version: `2.9.0${HOSTILE}${"9".repeat(100)}`,
      ready: true,
    });
    expect(answer.version).not.toMatch(OBEYED);
    expect([...answer.version].length).toBeLessThanOrEqual(64);
    expect(answer.version.startsWith("2.9.0999")).toBe(true);
  });

  it("compares telemetry user ids as cleaned, so the fleet's own account is still left out", () => {
    const events = telemetryEventsSchema.parse([
      { category: "start_lab", timestamp: "2026-11-30T05:00:00", data: { user_id: `lab-user${HOSTILE}` } },
    ]);
    expect(userActivity(events, "fleet", null)).toEqual([
      { category: "start_lab", at: new Date("2026-11-30T05:00:00Z"), userId: "lab-user" },
    ]);
  });

  it("words a failure from CML's own text without its escape sequences, bounded", () => {
    expect(cmlMessage({ code: 400, description: `bad token${HOSTILE}` })).toBe("bad token");
    expect(cmlMessage(`<html>${HOSTILE}</html>`)).toBe("<html></html>");
    expect(cmlMessage(`${"x".repeat(2_000)}`)?.length).toBe(500);
    expect(cmlMessage(HOSTILE)).toBeNull();
  });

  it("names a bad answer's own keys in a protocol error without their escape sequences", () => {
    const error = (() => {
      try {
        return parseAnswer(
          systemStatsSchema,
          { all: {}, computes: { [`compute${HOSTILE}`]: { stats: {} } } },
          "https://192.0.2.1",
          "GET /system_stats",
        );
      } catch (failure) {
        return failure;
      }
    })();
    expect(error).toBeInstanceOf(CmlError);
    expect((error as CmlError).message).toContain("computes.compute.stats.dominfo");
    expect((error as CmlError).message).not.toMatch(OBEYED);
  });
});
