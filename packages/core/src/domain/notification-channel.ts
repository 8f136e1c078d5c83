import { ValidationError } from "../errors";
import { FLEET_EVENT_TYPES, type FleetEventType } from "./fleet-event";
import { rejectUnsafeCharacters } from "./input-text";

export const NOTIFICATION_FORMATS = ["JSON", "SLACK"] as const;
export type NotificationFormat = (typeof NOTIFICATION_FORMATS)[number];

/** The event a `testNotificationChannel` sends: not a fleet event, never stored, never filtered out. */
export const TEST_NOTIFICATION_TYPE = "notification.test";

/** A receiver of fleet events, as every reader sees it: the secret is never part of it. */
export interface NotificationChannel {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly format: NotificationFormat;
  /** Event types delivered; empty means all. */
  readonly events: readonly FleetEventType[];
  readonly enabled: boolean;
  /** Whether deliveries are signed; the secret itself only reaches the delivery job. */
  readonly signed: boolean;
  readonly lastDeliveryAt: Date | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
}

/** A channel as `createNotificationChannel` asks for it, checked. */
export interface NewNotificationChannel {
  readonly name: string;
  readonly url: string;
  readonly format: NotificationFormat;
  readonly events: readonly FleetEventType[];
  readonly secret: string | null;
}

export interface NotificationUrlPolicy {
  /** NOTIFY_ALLOW_HTTP: plain http:// is accepted (tests, the local demo). */
  readonly allowHttp: boolean;
}

export const MAX_CHANNEL_URL_LENGTH = 2048;
const NAME = /^[\p{L}\p{N} ._@-]{1,64}$/u;
const SECRET = /^[\x21-\x7e]{16,256}$/;

function isFleetEventType(value: string): value is FleetEventType {
  return (FLEET_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Why the URL may not receive deliveries, or null when it may. https only
 * (http with NOTIFY_ALLOW_HTTP); no user name or password in it (they would
 * be stored and shown in clear: a receiver that wants a credential gets the
 * signature instead); no fragment; bounded; one line of printable text.
 */
export function notificationUrlProblem(url: string, policy: NotificationUrlPolicy): string | null {
  if (url.length > MAX_CHANNEL_URL_LENGTH) {
    return `must be at most ${MAX_CHANNEL_URL_LENGTH} characters`;
  }
  if (/[\s\p{Cc}]/u.test(url)) {
    return "must not contain spaces or control characters";
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not an absolute URL such as https://hooks.example.com/cml-fleet";
  }
  if (parsed.protocol !== "https:" && !(policy.allowHttp && parsed.protocol === "http:")) {
    return policy.allowHttp ? "must be an https:// or http:// URL" : "must be an https:// URL";
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return "must not carry a user name or password (sign deliveries with a secret instead)";
  }
  if (parsed.hash !== "" || url.includes("#")) {
    return "must not carry a #fragment";
  }
  if (parsed.hostname === "") {
    return "must name a host";
  }
  return null;
}

/** The input of `createNotificationChannel`, checked field by field (BAD_USER_INPUT naming the field). */
export function checkNotificationChannelInput(
  input: {
    readonly name: string;
    readonly url: string;
    readonly format?: NotificationFormat | null | undefined;
    readonly events?: readonly string[] | null | undefined;
    readonly secret?: string | null | undefined;
  },
  policy: NotificationUrlPolicy,
): NewNotificationChannel {
  const name = rejectUnsafeCharacters("input.name", input.name).trim();
  if (!NAME.test(name)) {
    throw new ValidationError(
      "input.name",
      "must be 1-64 characters: letters, digits, spaces, '.', '_', '@' or '-'",
    );
  }
  const urlProblem = notificationUrlProblem(input.url, policy);
  if (urlProblem !== null) {
    throw new ValidationError("input.url", urlProblem);
  }
  const requested = input.events ?? [];
  if (requested.length > FLEET_EVENT_TYPES.length) {
    throw new ValidationError("input.events", `must list at most ${FLEET_EVENT_TYPES.length} event types`);
  }
  const events: FleetEventType[] = [];
  for (const [index, type] of requested.entries()) {
    if (!isFleetEventType(type)) {
      throw new ValidationError(
        `input.events[${index}]`,
        "must be a fleet event type such as worker.idle_warning (see FleetEvent.type)",
      );
    }
    if (!events.includes(type)) {
      events.push(type);
    }
  }
  const secret = input.secret ?? null;
  if (secret !== null && !SECRET.test(secret)) {
    throw new ValidationError("input.secret", "must be 16-256 printable ASCII characters without spaces");
  }
  return { name, url: input.url, format: input.format ?? "JSON", events, secret };
}

/** Whether a channel takes events of this type (an empty filter takes all). */
export function channelWants(
  channel: Pick<NotificationChannel, "events" | "enabled">,
  type: string,
): boolean {
  return channel.enabled && (channel.events.length === 0 || channel.events.some((wanted) => wanted === type));
}
