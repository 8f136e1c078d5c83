import { useGraphQlJit } from "@envelop/graphql-jit";
import { GraphQLError, type GraphQLErrorExtensions, getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * Queries run through graphql-jit: each document is compiled once into a
 * function (cached with the parsed document, which yoga's parser cache keeps)
 * instead of being walked field by field by graphql-js on every request; a
 * nested page of workers resolves some 700 fields, which the profile showed
 * as the executor's share of the API's time.
 *
 * The compiled query calls the same resolvers graphql-js would, so the
 * scope-auth and input-safety wrappers Pothos puts around them run as before,
 * and resolver errors keep their originalError for the contract's error
 * mapping. Mutations (serial, and never hot) and subscriptions (whose
 * set-up the graphql-ws path owns) stay on graphql-js.
 */
export function jitQueryPlugins() {
  return [
    useGraphQlJit(
      {},
      { enableIf: (args) => getOperationAST(args.document, args.operationName)?.operation === "query" },
    ),
    useRefusedVariablesAsBadRequest(),
  ];
}

/**
 * An operation whose variables cannot be coerced never starts: the answer
 * holds errors and no data. graphql-js (through graphql-tools) marks those
 * errors HTTP 400, as the GraphQL-over-HTTP spec asks; graphql-jit does not,
 * so this marks them the same way whichever executor ran. It must come before
 * the contract's error mapping, which reads the errors' extensions.
 */
function useRefusedVariablesAsBadRequest(): Plugin {
  return {
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        if (Symbol.asyncIterator in result || "data" in result || result.errors === undefined) {
          return;
        }
        setResult({ ...result, errors: result.errors.map(asBadRequest) });
      },
    }),
  };
}

function asBadRequest(error: GraphQLError): GraphQLError {
  // graphql-jit's errors leave extensions undefined when there are none, whatever GraphQLError's type says.
  const extensions = (error.extensions as GraphQLErrorExtensions | undefined) ?? {};
  const http = extensions.http;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: {
      ...extensions,
      http: { ...(typeof http === "object" && http !== null ? http : {}), status: 400 },
    },
  });
}
