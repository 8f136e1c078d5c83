import { describe, expect, it } from "vitest";
import { retryDelaysMs } from "../domain/notification-message";
import { loadSettings } from "./load-settings";

// What the settings change is shown end to end in packages/jobs/test/notifications.test.ts; here, how they are read.
describe("the notification settings", () => {
  it("by default accept https only and retry a delivery for well over the contract's 10 minutes", () => {
    const notify = loadSettings({}).notify;
    expect(notify).toEqual({
      allowHttp: false,
      deliveryTimeoutMs: 10_000,
      retry: { attempts: 10, backoffMs: 5_000 },
      relayIntervalMs: 2_000,
    });
    const delays = retryDelaysMs(notify.retry);
    const total = delays.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBeGreaterThanOrEqual(10 * 60_000);
    // 5 s doubling nine times: 5+10+...+1280 s = 2555 s, about 42.6 minutes.
    expect(total).toBe(2_555_000);
  });

  it("read NOTIFY_ALLOW_HTTP, NOTIFY_DELIVERY_TIMEOUT, NOTIFY_RETRY_BACKOFF, NOTIFY_ATTEMPTS and NOTIFY_RELAY_INTERVAL", () => {
    expect(
      loadSettings({
        NOTIFY_ALLOW_HTTP: "true",
        NOTIFY_DELIVERY_TIMEOUT: "2s",
        NOTIFY_RETRY_BACKOFF: "100ms",
        NOTIFY_ATTEMPTS: "4",
        NOTIFY_RELAY_INTERVAL: "200ms",
      }).notify,
    ).toEqual({
      allowHttp: true,
      deliveryTimeoutMs: 2_000,
      retry: { attempts: 4, backoffMs: 100 },
      relayIntervalMs: 200,
    });
  });
});
