import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "./schema/index";

/** The SDL committed as packages/api/schema.graphql; a test compares it with the code. */
export function printFleetSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
