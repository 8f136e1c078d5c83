import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type NotificationEvent,
  notificationBody,
  notificationRequest,
  retryDelaysMs,
  slackEscape,
} from "./notification-message";

const warning: NotificationEvent = {
  id: "42",
  type: "worker.idle_warning",
  at: new Date("2026-11-30T08:00:00.000Z"),
  workerId: "0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c",
  workerName: "lab-1",
  message: "lab-1 is idle and will be stopped at 2026-11-30T08:05:00.000Z unless it is used",
  data: { autoStopAt: "2026-11-30T08:05:00.000Z" },
};

describe("a notification's body", () => {
  it("is the contract's JSON, and a warning says when the stop comes and how to keep the worker", () => {
    const body = JSON.parse(notificationBody(warning, "JSON"));
    expect(Object.keys(body)).toEqual(["id", "type", "at", "workerId", "workerName", "message", "data"]);
    expect(body).toMatchObject({ id: "42", type: "worker.idle_warning", at: "2026-11-30T08:00:00.000Z" });
    expect(body.message).toContain("2026-11-30T08:05:00.000Z");
    expect(body.message).toContain(`keepAlive(id: "${warning.workerId}"`);
    expect(body.message).toContain("press K");
  });

  it("is Slack's { text } with &, < and > escaped and outside text made printable", () => {
    const hostile = { ...warning, type: "worker.status_changed", message: "<!channel> a & b \u001b[2J done" };
    const body = JSON.parse(notificationBody(hostile, "SLACK"));
    expect(Object.keys(body)).toEqual(["text"]);
    expect(body.text).toContain("&lt;!channel&gt; a &amp; b");
    expect(body.text).not.toContain("\u001b");
    expect(body.text).not.toContain("<");
    expect(slackEscape("<&>")).toBe("&lt;&amp;&gt;");
  });

  it("is signed with HMAC-SHA256 of the raw body when the channel has a secret, and not otherwise", () => {
    const signed = notificationRequest(warning, { format: "JSON", secret: "s3cret-s3cret-s3cret" }, "d-1");
    const expected = createHmac("sha256", "s3cret-s3cret-s3cret").update(signed.body).digest("hex");
    expect(signed.headers["X-Cml-Fleet-Signature"]).toBe(`sha256=${expected}`);
    expect(signed.headers["X-Cml-Fleet-Delivery"]).toBe("d-1");
    expect(signed.headers["X-Cml-Fleet-Event"]).toBe("worker.idle_warning");
    const unsigned = notificationRequest(warning, { format: "JSON", secret: null }, "d-1");
    expect(unsigned.headers["X-Cml-Fleet-Signature"]).toBeUndefined();
  });
});

describe("the retry schedule of a delivery", () => {
  it("doubles from the first backoff", () => {
    expect(retryDelaysMs({ attempts: 4, backoffMs: 100 })).toEqual([100, 200, 400]);
    expect(retryDelaysMs({ attempts: 1, backoffMs: 100 })).toEqual([]);
  });
});
