import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";

/**
 * Bounds on one request, so that no single request can exhaust the server.
 * The deepest useful query (workers > edges > node > events > ...) is 6 levels;
 * the cost limit allows a full page of workers with every nested field.
 */
export const REQUEST_LIMITS = {
  /** Bytes of an HTTP body or a WebSocket message. */
  maxBodyBytes: 100 * 1024,
  maxDepth: 10,
  maxCost: 5000,
  maxTokens: 2000,
} as const;

export function requestLimitPlugins() {
  return [
    maxTokensPlugin({ n: REQUEST_LIMITS.maxTokens }),
    maxDepthPlugin({ n: REQUEST_LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: true }),
    costLimitPlugin({ maxCost: REQUEST_LIMITS.maxCost, ignoreIntrospection: true, flattenFragments: true }),
  ];
}
