import { describe, expect, it } from "vitest";
import { CmlController } from "./cml-controller";

describe("CmlController", () => {
  it("keeps only the newest of a run of one user's user_activity events", () => {
    const controller = new CmlController();
    const t0 = Date.UTC(2026, 10, 27, 9, 0, 0);
    controller.appendEvent("user_activity", controller.serviceUserId, t0);
    controller.appendEvent("user_activity", controller.serviceUserId, t0 + 1000);
    controller.appendEvent("user_activity", controller.studentUserId, t0 + 2000);
    controller.appendEvent("user_activity", controller.serviceUserId, t0 + 3000);
    controller.appendEvent("start_lab", controller.serviceUserId, t0 + 4000, "lab-1");
    expect(controller.events.map((event) => [event.category, event.data.user_id, event.timestamp])).toEqual([
      ["user_activity", controller.serviceUserId, "2026-11-27T09:00:01.000"],
      ["user_activity", controller.studentUserId, "2026-11-27T09:00:02.000"],
      ["user_activity", controller.serviceUserId, "2026-11-27T09:00:03.000"],
      ["start_lab", controller.serviceUserId, "2026-11-27T09:00:04.000"],
    ]);
  });

  it("issues tokens valid until their expiry and forgets them all on expireTokens", () => {
    const controller = new CmlController();
    const token = controller.issueToken("admin", 1_000, 500);
    expect(token.split(".")).toHaveLength(3);
    expect(controller.tokenStatus(token, 1_499)).toBe("valid");
    expect(controller.tokenStatus(token, 1_500)).toBe("expired");
    const other = controller.issueToken("admin", 2_000, 500);
    controller.expireTokens();
    expect(controller.tokenStatus(other, 2_001)).toBe("unknown");
  });
});
