import type { RankedRole, UserGrant } from "@cml-fleet/core/domain/role";
import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { GraphQLError, Kind } from "graphql";
import type { GraphQLContext } from "./context";
import { INPUT_SAFETY_PLUGIN } from "./input-safety";
import { printableJson } from "./printable-json";

/**
 * The schema builder and its plugins, nothing else. Authorization is declared
 * per root field as `authScopes: { role: "OPERATOR" }` and decided in one
 * place (`authScopes` below): the caller's role must include the required one.
 * A USER credential (core's role.ts) meets no `role`: a field open to it says
 * so with `user: "read"` (a read it narrows to the caller's own workers, see
 * ./worker-ownership) or `user: "<operation>"`; any other field refuses it.
 * Every field's arguments pass the input-safety net (./input-safety) before
 * its resolver runs; each field still validates its own text with core's
 * `checkText` rules.
 */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { role: RankedRole; user: UserGrant };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    // Output only today (event data); an input would need its own checks before it reached a service.
    JSON: { Input: unknown; Output: unknown };
    // graphql-js coerces every ID argument to a string (an integer literal too), so resolvers need no String().
    ID: { Input: string; Output: string | number | bigint };
  };
  DefaultFieldNullability: false;
}>({
  // Non-null unless a field says otherwise, as the contract mostly is.
  defaultFieldNullability: false,
  // Authorization first (the first plugin wraps outermost), then the net under every argument.
  plugins: [ScopeAuthPlugin, INPUT_SAFETY_PLUGIN],
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      role: (required: RankedRole) => context.access.allows(required),
      user: (grant: UserGrant) => context.access.allowsUser(grant),
    }),
    unauthorizedError: (_parent, context, info) => context.access.deny(info.fieldName),
  },
});

builder.scalarType("DateTime", {
  description: "An instant, written as ISO 8601 text with a UTC offset, e.g. 2026-11-27T09:30:00Z.",
  serialize: (value) => value.toISOString(),
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) {
      throw invalidDateTime("must be ISO 8601 text, e.g. 2026-11-27T09:30:00Z");
    }
    return parseDateTime(node.value);
  },
});

builder.scalarType("JSON", {
  description:
    "Any JSON value. Served with every string cleaned of control characters and escape sequences (printable-json.ts).",
  serialize: (value) => printableJson(value),
  parseValue: () => {
    throw new GraphQLError("JSON is not accepted as an argument", { extensions: { code: "BAD_USER_INPUT" } });
  },
  parseLiteral: () => {
    throw new GraphQLError("JSON is not accepted as an argument", { extensions: { code: "BAD_USER_INPUT" } });
  },
});

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parseDateTime(value: unknown): Date {
  if (typeof value !== "string" || !ISO_INSTANT.test(value)) {
    throw invalidDateTime("must be ISO 8601 text with a UTC offset, e.g. 2026-11-27T09:30:00Z");
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw invalidDateTime(`${value} is not a real instant`);
  }
  return date;
}

/**
 * A GraphQL error rather than a fleet error: input coercion happens before
 * execution, where only GraphQL errors keep their message and code.
 */
function invalidDateTime(message: string): GraphQLError {
  return new GraphQLError(`DateTime ${message}`, { extensions: { code: "BAD_USER_INPUT" } });
}

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
