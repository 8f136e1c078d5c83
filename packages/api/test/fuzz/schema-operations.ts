import { readFileSync } from "node:fs";
import {
  buildSchema,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
} from "graphql";

/** The printed schema clients see (packages/api/schema.graphql). */
export const PRINTED_SCHEMA: GraphQLSchema = buildSchema(
  readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8"),
);

export type OperationType = "query" | "mutation" | "subscription";

/** One root field and what a document needs to call it. */
export interface RootField {
  readonly operation: OperationType;
  readonly name: string;
  readonly args: readonly GraphQLArgument[];
  /** The selection set, `{ ... }`, or "" for a leaf. */
  readonly selection: string;
}

/** Scalar (and enum) leaves of a type, one level of nested objects included: `{ id name cost { accrued } }`. */
function selectionOf(type: GraphQLNamedType, depth: number): string {
  if (isLeafType(type) || !isObjectType(type)) {
    return "";
  }
  const parts: string[] = [];
  for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) {
      continue;
    }
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      parts.push(field.name);
    } else if (depth > 0) {
      const nested = selectionOf(named, depth - 1);
      if (nested !== "") {
        parts.push(`${field.name} ${nested}`);
      }
    }
  }
  return parts.length === 0 ? "{ __typename }" : `{ ${parts.join(" ")} }`;
}

function fieldsOf(operation: OperationType): RootField[] {
  const type =
    operation === "query"
      ? PRINTED_SCHEMA.getQueryType()
      : operation === "mutation"
        ? PRINTED_SCHEMA.getMutationType()
        : PRINTED_SCHEMA.getSubscriptionType();
  return Object.values(type?.getFields() ?? {}).map((field) => ({
    operation,
    name: field.name,
    args: field.args,
    selection: selectionOf(getNamedType(field.type), 1),
  }));
}

/** Every root field of the schema: queries, mutations and subscriptions. */
export const ROOT_FIELDS: readonly RootField[] = [
  ...fieldsOf("query"),
  ...fieldsOf("mutation"),
  ...fieldsOf("subscription"),
];

/**
 * The document calling `field` with a variable per argument in `passed`
 * (`$id: ID!` declared as the argument's own type); arguments not passed are
 * left out of the document, so a required one left out is a validation error.
 */
export function documentFor(field: RootField, passed: readonly string[]): string {
  const args = field.args.filter((arg) => passed.includes(arg.name));
  const declarations = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(", ");
  const call = args.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
  return `${field.operation} Fuzz${declarations === "" ? "" : `(${declarations})`} { ${field.name}${
    call === "" ? "" : `(${call})`
  } ${field.selection} }`;
}
