import { type Authentication, authenticate, type CredentialCheckDeps } from "../auth/authenticate";

/** The realm a browser names when it asks for the queue view's credential. */
export const ADMIN_QUEUES_REALM = "cml-fleet queues";

/** Longer than any API token or OIDC JWT the fleet accepts, short enough to refuse before decoding. */
const MAX_AUTHORIZATION_LENGTH = 16_384;

/**
 * Checks the credential of a queue-view request with the API's own
 * authentication (API tokens, OIDC bearer tokens). A browser cannot send a
 * Bearer header when it navigates, so `Basic` is accepted too, its password
 * being the token (the user name is not read): the browser asks for it once
 * and sends it with every request to the view.
 */
export async function authenticateQueueViewer(
  deps: CredentialCheckDeps,
  authorization: string | undefined,
): Promise<Authentication> {
  if (authorization === undefined || authorization.trim() === "") {
    return { kind: "anonymous" };
  }
  if (authorization.length > MAX_AUTHORIZATION_LENGTH) {
    return { kind: "rejected", reason: "the Authorization header is too long" };
  }
  const basic = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorization);
  if (basic === null) {
    // Bearer, or anything else, which authenticate() refuses with its own reason.
    return authenticate(deps, authorization);
  }
  const token = passwordOf(basic[1] ?? "");
  if (token === null) {
    return {
      kind: "rejected",
      reason: "Basic credentials must carry the API token as the password (any user name)",
    };
  }
  return authenticate(deps, `Bearer ${token}`);
}

/** The password of Basic credentials (`user:password`, base64), or null when there is none to use. */
function passwordOf(encoded: string): string | null {
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) {
    return null;
  }
  const password = decoded.slice(colon + 1);
  // A token is one word: whitespace or control characters in it could only make a malformed header.
  return /^[\x21-\x7e]+$/.test(password) ? password : null;
}
