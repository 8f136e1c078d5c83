import { type DocumentNode, parse, print, visit } from "graphql";
import { describe, expect, it } from "vitest";
import { toQueryString } from "./document-text";
import { WorkerFields } from "./fragments";

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

// Block strings are sent as ordinary strings with the same value.
const withoutBlockStrings = (document: DocumentNode) =>
  print(visit(document, { StringValue: (node) => ({ ...node, block: false }) }));

describe("toQueryString", () => {
  it("prints every executable construct so that it parses back into the same document", () => {
    const document = parse(EVERYTHING);
    expect(print(parse(toQueryString(document)))).toBe(withoutBlockStrings(document));
    expect(print(document)).toContain('"""block "text" """');
  });

  it("sends a fragment together with the fragments it spreads", () => {
    const text = toQueryString(WorkerFields);
    expect(text).toMatch(/^fragment WorkerFields on Worker \{/);
    expect(text).toContain("fragment TelemetryFields on Telemetry {");
    expect(text).toContain("fragment JobFields on Job {");
  });

  it("refuses a schema definition, which no API would execute", () => {
    expect(() => toQueryString(parse("type Extra { id: ID }"))).toThrow(
      "Only executable definitions can be sent, not ObjectTypeDefinition",
    );
  });
});
