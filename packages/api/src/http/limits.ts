import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { GraphQLError, type ValidationContext } from "graphql";

/**
 * Bounds on one request, so that no single request can exhaust the server.
 * The deepest useful query (workers > edges > node > activeJob > id) is 5
 * levels; the cost limit allows a full page of workers with every nested field.
 */
export const REQUEST_LIMITS = {
  /** Bytes of an HTTP body or a WebSocket message. */
  maxBodyBytes: 100 * 1024,
  maxDepth: 10,
  maxCost: 5000,
  maxTokens: 2000,
} as const;

/**
 * Depth and cost are checked during validation: reported as validation
 * errors with a code (graphql-armor would throw a code-less "Syntax Error").
 * The token limit acts while parsing, so it stays a parse error.
 */
export function requestLimitPlugins() {
  const asValidationError = {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        context?.reportError(
          new GraphQLError(error.message.replace(/^Syntax Error: /, ""), {
            extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
          }),
        );
      },
    ],
  };
  return [
    maxTokensPlugin({ n: REQUEST_LIMITS.maxTokens }),
    maxDepthPlugin({
      n: REQUEST_LIMITS.maxDepth,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...asValidationError,
    }),
    costLimitPlugin({
      maxCost: REQUEST_LIMITS.maxCost,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...asValidationError,
    }),
  ];
}
