import { initGraphQLTada } from "gql.tada";
import type { introspection } from "./graphql-env";

/**
 * The monitor's `graphql` document function, typed by the API's printed schema
 * (`pnpm --filter @cml-fleet/tui codegen` rewrites graphql-env.d.ts from it).
 * Masking is off: the monitor hands whole records around, and an unmasked
 * fragment's result type can then be the record type the rest of the TUI uses.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  // The API writes DateTime as ISO 8601 text; the TUI parses it only where it needs a time.
  scalars: { DateTime: string };
  disableMasking: true;
}>();

type SchemaTypes = introspection["types"];

/** The names of the schema's enums, so a misspelt name fails here instead of yielding `never`. */
export type EnumName = {
  [Name in keyof SchemaTypes]: SchemaTypes[Name] extends { readonly enumValues: string } ? Name : never;
}[keyof SchemaTypes];

/** A schema enum as a union of its values. */
export type EnumOf<Name extends EnumName> = ReturnType<typeof graphql.scalar<Name>>;
