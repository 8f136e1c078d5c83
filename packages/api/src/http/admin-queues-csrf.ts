import type { IncomingMessage } from "node:http";
import { QUEUE_VIEW_CSRF_HEADER } from "./admin-queues-assets";
import { CSRF_HEADER } from "./csrf-prevention.plugin";

/**
 * Why an action request may have come from another site, or null when it
 * cannot have. The browser sends the view's Basic credentials with any
 * request to it, a cross-site form post included, so an action must carry
 * what no other page can send without a CORS preflight (which this path
 * never grants): a JSON body or a CSRF header (ours, or the one the GraphQL
 * endpoint takes). An Origin or Sec-Fetch-Site the browser adds must name
 * this site too.
 */
export function crossSiteReason(request: IncomingMessage): string | null {
  const contentType = (request.headers["content-type"] ?? "").toLowerCase();
  const preflighted =
    contentType.startsWith("application/json") ||
    request.headers[QUEUE_VIEW_CSRF_HEADER] !== undefined ||
    request.headers[CSRF_HEADER] !== undefined;
  if (!preflighted) {
    return `send actions as a POST with Content-Type: application/json, or add the header ${QUEUE_VIEW_CSRF_HEADER}`;
  }
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return `the browser says this request came from another site (Sec-Fetch-Site: ${site})`;
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== "null" && hostOf(origin) !== request.headers.host) {
    return "the request's Origin is not this server";
  }
  if (origin === "null") {
    return "the request's Origin is opaque (a sandboxed or file page)";
  }
  return null;
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
