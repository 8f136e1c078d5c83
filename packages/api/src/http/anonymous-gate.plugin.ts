import { type DocumentNode, GraphQLError, getOperationAST, Kind, type SelectionSetNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "../graphql/context";

const INTROSPECTION_FIELDS = new Set(["__schema", "__type", "__typename"]);

/**
 * Refuses an operation without a credential before anything executes: one
 * UNAUTHENTICATED error (HTTP 401) and one audit row for the whole request,
 * instead of one refusal (and one row) per field. Introspection alone is
 * answered (when the introspection setting allows it, validation has let it
 * through), so GraphiQL can load the schema before a token is pasted in.
 * Runs for HTTP, SSE and graphql-ws operations alike (all go through the envelop).
 */
export function useAnonymousGate(): Plugin<GraphQLContext> {
  function refusal(
    context: GraphQLContext,
    document: DocumentNode,
    operationName: string | null | undefined,
  ) {
    const fields = rootFieldNames(document, operationName);
    if (context.access.principal !== null || fields.every((field) => INTROSPECTION_FIELDS.has(field))) {
      return null;
    }
    // Kept for the request's one audit row; the plugin below writes it.
    for (const field of fields) {
      context.access.deny(field);
    }
    void context.access.recordDenials();
    return {
      errors: [
        new GraphQLError("This API needs a credential: send Authorization: Bearer <token>", {
          extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
        }),
      ],
    };
  }
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const result = refusal(args.contextValue, args.document, args.operationName);
      if (result !== null) {
        setResultAndStopExecution(result);
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const result = refusal(args.contextValue, args.document, args.operationName);
      if (result !== null) {
        setResultAndStopExecution(result);
      }
    },
  };
}

/**
 * Writes the audit row of the fields refused while a request ran (one row per
 * request, however many fields were refused), once execution is over.
 */
export function useDenialAudit(): Plugin<GraphQLContext> {
  return {
    onExecute({ args }) {
      const context = args.contextValue;
      return {
        onExecuteDone: () => {
          void context.access.recordDenials();
        },
      };
    },
    onSubscribe({ args }) {
      const context = args.contextValue;
      return {
        onSubscribeResult: () => {
          void context.access.recordDenials();
        },
        onSubscribeError: () => {
          void context.access.recordDenials();
        },
      };
    },
  };
}

/** The root fields the operation asks for, through fragments (aliases do not matter: the field is what is refused). */
function rootFieldNames(document: DocumentNode, operationName: string | null | undefined): string[] {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (operation === null || operation === undefined) {
    return [];
  }
  const names = new Set<string>();
  const seenFragments = new Set<string>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        names.add(selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else if (!seenFragments.has(selection.name.value)) {
        seenFragments.add(selection.name.value);
        const fragment = document.definitions.find(
          (definition) =>
            definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
        );
        if (fragment?.kind === Kind.FRAGMENT_DEFINITION) {
          visit(fragment.selectionSet);
        }
      }
    }
  };
  visit(operation.selectionSet);
  return [...names];
}
