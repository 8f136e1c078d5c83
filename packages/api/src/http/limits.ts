import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * Bounds on one request, so that no single request can exhaust the server.
 * The deepest useful query (workers > edges > node > activeJob > id) is 5
 * levels; the cost limit allows a full page of workers with every nested field.
 * Aliases let one request ask for the same field many times (each alias of a
 * mutation is one more operation); the TUI uses none, a dashboard a handful.
 * Batching (a JSON array of operations in one body) stays off: yoga's default.
 */
export const REQUEST_LIMITS = {
  /** Bytes of an HTTP body or a WebSocket message. */
  maxBodyBytes: 100 * 1024,
  maxDepth: 10,
  maxCost: 5000,
  maxTokens: 2000,
  maxAliases: 15,
  maxDirectives: 10,
} as const;

/**
 * Depth, cost, aliases and directives are checked during validation: reported
 * as validation errors with a code (graphql-armor would throw a code-less
 * "Syntax Error"). The token limit acts while parsing, so it stays a parse error.
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
    maxAliasesPlugin({ n: REQUEST_LIMITS.maxAliases, ...asValidationError }),
    maxDirectivesPlugin({ n: REQUEST_LIMITS.maxDirectives, ...asValidationError }),
  ];
}

/** Refuses __schema and __type during validation (GRAPHQL_VALIDATION_FAILED); __typename stays. */
export function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
