import { booleanSetting, durationSetting, integerSetting } from "./settings-fields";

/** Settings of the notification channels: where deliveries may go, and how hard they are tried. */
export const notifySettingsShape = {
  notify_allow_http: booleanSetting(
    false,
    "Let a notification channel's URL be plain http:// (tests and the local demo); off, only https:// is accepted, and a stored http:// channel is not delivered to.",
  ),
  notify_delivery_timeout: durationSetting(
    "10s",
    "How long one notification POST may take (connect to last byte of the answer) before it counts as failed and is retried.",
    { min: 100 },
  ),
  notify_retry_backoff: durationSetting(
    "5s",
    "The first wait before a failed notification is tried again; it doubles on each retry (with NOTIFY_ATTEMPTS 10: 5s, 10s, ... 21m20s, about 42 minutes in all).",
    { min: 10 },
  ),
  notify_attempts: integerSetting(
    10,
    "Attempts of one notification delivery, the first included, before it is recorded as failed (the channel's lastError).",
    { min: 1, max: 30 },
  ),
  notify_relay_interval: durationSetting(
    "2s",
    "How often a job process looks for fleet events not yet handed to the notification channels (the backstop; a new event also wakes it at once when Redis carries the live event).",
    { min: 50 },
  ),
};
