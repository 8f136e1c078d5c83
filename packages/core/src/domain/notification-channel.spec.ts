import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors";
import { checkNotificationChannelInput, notificationUrlProblem } from "./notification-channel";

const httpsOnly = { allowHttp: false };
const httpToo = { allowHttp: true };

function refusal(input: Parameters<typeof checkNotificationChannelInput>[0], policy = httpsOnly) {
  try {
    checkNotificationChannelInput(input, policy);
  } catch (error) {
    if (error instanceof ValidationError) {
      return { code: error.code, message: error.message };
    }
    throw error;
  }
  return null;
}

describe("a notification channel's input", () => {
  it("takes an https URL, a JSON default, a deduplicated event filter and a secret", () => {
    expect(
      checkNotificationChannelInput(
        {
          name: " ops hook ",
          url: "https://hooks.example.com/cml?x=1",
          events: ["worker.idle_warning", "worker.auto_stopped", "worker.idle_warning"],
          secret: "a-long-shared-secret",
        },
        httpsOnly,
      ),
    ).toEqual({
      name: "ops hook",
      url: "https://hooks.example.com/cml?x=1",
      format: "JSON",
      events: ["worker.idle_warning", "worker.auto_stopped"],
      secret: "a-long-shared-secret",
    });
  });

  it.each([
    ["http://hooks.example.com/x", /must be an https:\/\/ URL/],
    ["ftp://hooks.example.com/x", /https/],
    ["https://user:pw@hooks.example.com/x", /user name or password/],
    ["https://token@hooks.example.com/x", /user name or password/],
    ["https://hooks.example.com/x#frag", /fragment/],
    ["https://hooks.example.com/a b", /spaces or control/],
    ["https://hooks.example.com/\u0007", /spaces or control/],
    ["hooks.example.com/x", /absolute URL/],
    [`https://hooks.example.com/${"a".repeat(2100)}`, /at most 2048/],
  ])("refuses %s", (url, problem) => {
    expect(notificationUrlProblem(url, httpsOnly)).toMatch(problem);
    expect(refusal({ name: "n", url })).toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("takes plain http only when NOTIFY_ALLOW_HTTP says so, and never other schemes", () => {
    expect(notificationUrlProblem("http://127.0.0.1:9/x", httpToo)).toBeNull();
    expect(notificationUrlProblem("file:///etc/passwd", httpToo)).toMatch(/https:\/\/ or http:\/\//);
  });

  it("refuses an unknown event type, a bad name and a short secret, naming the field", () => {
    expect(refusal({ name: "n", url: "https://h.example/x", events: ["worker.exploded"] })?.message).toMatch(
      /input\.events\[0\]/,
    );
    expect(refusal({ name: "bad\nname", url: "https://h.example/x" })?.message).toMatch(/input\.name/);
    expect(refusal({ name: "", url: "https://h.example/x" })?.message).toMatch(/input\.name/);
    expect(refusal({ name: "n", url: "https://h.example/x", secret: "short" })?.message).toMatch(
      /input\.secret/,
    );
  });
});
