import { readFileSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import * as operations from "./operations";

// The API's committed, printed schema: the client must only send what it accepts.
const schema = buildSchema(readFileSync(new URL("../../../api/schema.graphql", import.meta.url), "utf8"));

describe("the monitor's GraphQL documents", () => {
  it.each(Object.entries(operations))("%s validates against the API's schema", (_name, document) => {
    expect(validate(schema, parse(document)).map((error) => error.message)).toEqual([]);
  });
});
