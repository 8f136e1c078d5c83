import { createHmac } from "node:crypto";
import type { NotificationFormat } from "./notification-channel";
import { cleanOutsideText } from "./outside-text";

/** What a delivery says: a fleet event (or the channel test), with the worker's name looked up. */
export interface NotificationEvent {
  /** The fleet event's id (a test has its own). */
  readonly id: string;
  readonly type: string;
  readonly at: Date;
  readonly workerId: string | null;
  readonly workerName: string | null;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface NotificationRequest {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export const DELIVERY_HEADER = "X-Cml-Fleet-Delivery";
export const EVENT_HEADER = "X-Cml-Fleet-Event";
export const SIGNATURE_HEADER = "X-Cml-Fleet-Signature";

/** The longest message a delivery carries (a Slack line, a JSON field): a person reads it at a glance. */
const MAX_MESSAGE_LENGTH = 1_000;

/** The instant a warning announces the stop for, when the event is one that announces a stop. */
function announcedStop(type: string, data: Readonly<Record<string, unknown>>): string | null {
  if (!type.endsWith("_warning")) {
    return null;
  }
  const at = data.autoStopAt ?? data.stopAt;
  return typeof at === "string" && at !== "" ? at : null;
}

/**
 * The line a person reads. A warning of a coming stop says when, and how to
 * keep the worker: the `keepAlive` mutation or the monitor's K key.
 */
export function notificationText(event: NotificationEvent): string {
  const base = event.message;
  const stopAt = announcedStop(event.type, event.data);
  if (stopAt === null || event.workerId === null) {
    return cleanOutsideText(base, MAX_MESSAGE_LENGTH);
  }
  const hint =
    ` It will be stopped at ${stopAt}. To keep it running, call keepAlive(id: "${event.workerId}", until: <instant>)` +
    " or press K on it in the monitor (pnpm tui).";
  return cleanOutsideText(`${base.replace(/\.$/, "")}.${hint}`, MAX_MESSAGE_LENGTH);
}

/** Slack's own escaping of text: &, < and > are control characters in its markup. */
export function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** The body of a delivery in the channel's format. */
export function notificationBody(event: NotificationEvent, format: NotificationFormat): string {
  const message = notificationText(event);
  if (format === "SLACK") {
    const who = event.workerName === null ? "" : ` ${cleanOutsideText(event.workerName, 256)}:`;
    return JSON.stringify({ text: slackEscape(`[${event.type}]${who} ${message}`) });
  }
  return JSON.stringify({
    id: event.id,
    type: event.type,
    at: event.at.toISOString(),
    workerId: event.workerId,
    workerName: event.workerName,
    message,
    data: event.data,
  });
}

/** `sha256=<hex HMAC-SHA256 of the raw body>`, as the receiver recomputes it with the shared secret. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** The POST a delivery makes: body and headers; signed when the channel has a secret. */
export function notificationRequest(
  event: NotificationEvent,
  channel: { readonly format: NotificationFormat; readonly secret: string | null },
  deliveryId: string,
): NotificationRequest {
  const body = notificationBody(event, channel.format);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "cml-fleet-notify",
    [DELIVERY_HEADER]: deliveryId,
    [EVENT_HEADER]: event.type,
  };
  if (channel.secret !== null) {
    headers[SIGNATURE_HEADER] = signBody(body, channel.secret);
  }
  return { body, headers };
}

/**
 * The waits between the attempts of a delivery (BullMQ's exponential backoff:
 * the n-th retry waits backoff * 2^(n-1)); their sum is how long a receiver
 * may stay down before the delivery is given up.
 */
export function retryDelaysMs(retry: { readonly attempts: number; readonly backoffMs: number }): number[] {
  return Array.from({ length: Math.max(0, retry.attempts - 1) }, (_, index) => retry.backoffMs * 2 ** index);
}
