import { readFileSync } from "node:fs";
import { print as printForWire } from "@0no-co/graphql.web";
import { buildSchema, parse, print, validate } from "graphql";
import { describe, expect, it } from "vitest";
import * as operations from "./operations";

// The API's committed, printed schema: the client must only send what it accepts.
const schema = buildSchema(readFileSync(new URL("../../../api/schema.graphql", import.meta.url), "utf8"));

// Syntax the monitor's operations do not use today, so a new operation that does is still sent intact.
const EVERYTHING = `
  query Everything($ids: [ID!]! = ["a"], $flag: Boolean @deprecated(reason: "x")) @live {
    first: worker(id: "quoted \\"id\\"\\n") { id }
    workers(filter: { status: [RUNNING, STOPPED], tag: { key: "k", value: """block "text" """ } }, first: 2.5) {
      edges { node { ...WorkerBits ... on Worker @include(if: $flag) { name } ... { region } } }
    }
    nothing: job(id: null) { id }
  }
  fragment WorkerBits on Worker { status }
  subscription { fleetEvents { id } }
  mutation { retryJob(id: 1) { id } }
`;

describe("the monitor's GraphQL documents", () => {
  it.each(Object.entries(operations))(
    "%s, as sent, validates against the API's schema",
    (_name, document) => {
      expect(validate(schema, parse(printForWire(document))).map((error) => error.message)).toEqual([]);
    },
  );

  it.each(Object.entries(operations))("%s is sent as the document gql.tada built", (_name, document) => {
    // graphql-js reads the text back into the same AST (printed the canonical way on both sides).
    expect(print(parse(printForWire(document)))).toBe(print(document));
  });

  it("are sent intact when they use any other executable syntax", () => {
    const document = parse(EVERYTHING);
    expect(print(document)).toContain('"""block "text" """');
    expect(print(parse(printForWire(document)))).toBe(print(document));
  });
});
