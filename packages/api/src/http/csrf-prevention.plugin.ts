import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

/** The header yoga's own CSRF plugin asks for; any value will do. */
export const CSRF_HEADER = "x-graphql-yoga-csrf";

/** Content types a browser sends cross-origin without asking first (a "simple" request, no CORS preflight). */
const SIMPLE_CONTENT_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

/**
 * Refuses a request a browser could have sent from another site without a
 * CORS preflight (a GET, a form post, a text/plain post), unless it carries a
 * header no page can add without a preflight: the CSRF header or
 * Authorization. What yoga's CSRF plugin does, with the contract's code and a
 * message saying what to send. JSON posts (the TUI, scripts, GraphiQL) pass.
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      const contentType = request.headers.get("content-type")?.toLowerCase() ?? "";
      const preflighted =
        contentType !== "" && !SIMPLE_CONTENT_TYPES.some((simple) => contentType.startsWith(simple));
      if (preflighted || request.headers.has(CSRF_HEADER) || request.headers.has("authorization")) {
        return;
      }
      throw new GraphQLError(
        `Refused as a possible cross-site request: send the operation as a POST with Content-Type: application/json, or add the header ${CSRF_HEADER}.`,
        { extensions: { code: "FORBIDDEN", http: { status: 403 } } },
      );
    },
  };
}
