import { readFileSync } from "node:fs";
import { buildSchema, parse, print, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { toQueryString } from "./document-text";
import * as operations from "./operations";

// The API's committed, printed schema: the client must only send what it accepts.
const schema = buildSchema(readFileSync(new URL("../../../api/schema.graphql", import.meta.url), "utf8"));

describe("the monitor's GraphQL documents", () => {
  it.each(Object.entries(operations))(
    "%s, as sent, validates against the API's schema",
    (_name, document) => {
      expect(validate(schema, parse(toQueryString(document))).map((error) => error.message)).toEqual([]);
    },
  );

  it.each(Object.entries(operations))("%s is sent as the document gql.tada built", (_name, document) => {
    // graphql-js reads the text back into the same AST (printed the canonical way on both sides).
    expect(print(parse(toQueryString(document)))).toBe(print(document));
  });
});
