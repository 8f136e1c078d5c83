import type { ServerResponse } from "node:http";
import type { ErrorCode } from "@cml-fleet/core/errors";

/**
 * Everything the page needs comes from this process (no CDN, no inline
 * script or style), it may not be framed, and it talks to no other origin.
 */
export const QUEUE_VIEW_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers of every queue-view answer: job data and errors are hostile text, so nothing may be sniffed or framed. */
const SECURITY_HEADERS = {
  "content-security-policy": QUEUE_VIEW_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
} as const;

const STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  QUOTA_EXCEEDED: 429,
  UPSTREAM_UNAVAILABLE: 503,
};

/** The HTTP status of an answer carrying this error code. */
export function statusOf(code: ErrorCode | "INTERNAL_SERVER_ERROR"): number {
  return code === "INTERNAL_SERVER_ERROR" ? 500 : STATUS_OF[code];
}

export function sendHtml(response: ServerResponse, status: number, html: string): void {
  send(response, status, "text/html; charset=utf-8", html);
}

/** Static assets of the page: the same for everyone, but behind the credential like the rest. */
export function sendAsset(response: ServerResponse, contentType: string, body: string): void {
  send(response, 200, contentType, body);
}

/**
 * JSON with `<`, `>` and `&` written as \u escapes, so that no hostile
 * string in a job's data is markup even to something that reads the answer
 * as HTML (nosniff forbids that too).
 */
export function sendSafeJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const json = JSON.stringify(body).replace(
    /[<>&]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  send(response, status, "application/json; charset=utf-8", json, headers);
}

/** An error in the shape of the API's other refusals: `{ errors: [{ message, extensions: { code } }] }`. */
export function sendError(
  response: ServerResponse,
  code: ErrorCode | "INTERNAL_SERVER_ERROR",
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendSafeJson(response, statusOf(code), { errors: [{ message, extensions: { code } }] }, headers);
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  response.writeHead(status, { ...SECURITY_HEADERS, "content-type": contentType, ...headers });
  response.end(response.req.method === "HEAD" ? undefined : body);
}
