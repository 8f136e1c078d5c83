import { describe, expect, it } from "vitest";
import { retryDelaysMs } from "../domain/notification-message";
import { loadSettings } from "./load-settings";
import { settingsReference } from "./settings-reference";

// What the settings change is shown end to end in packages/jobs/test/notifications.test.ts; here, how they are read.
describe("the notification settings", () => {
  it("by default accept https only (outside the demo) and retry a delivery for well over the contract's 10 minutes", () => {
    const defaults = Object.fromEntries(
      settingsReference()
        .filter((entry) => entry.env.startsWith("NOTIFY_"))
        .map((entry) => [entry.env, entry.default]),
    );
    expect(defaults).toEqual({
      NOTIFY_ALLOW_HTTP: "false",
      NOTIFY_DELIVERY_TIMEOUT: "10s",
      NOTIFY_RETRY_BACKOFF: "5s",
      NOTIFY_ATTEMPTS: "10",
      NOTIFY_RELAY_INTERVAL: "2s",
    });
    const notify = loadSettings({}).notify;
    expect(notify).toEqual({
      allowHttp: true,
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

  it("allow http:// in the simulator's demo (pnpm start without a config file), unless told otherwise", () => {
    expect(loadSettings({}).notify.allowHttp).toBe(true);
    expect(loadSettings({ NOTIFY_ALLOW_HTTP: "false" }).notify.allowHttp).toBe(false);
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
