import { beforeAll, describe, expect, it } from "vitest";
import { aWorker } from "../support/worker-factory";
import { codes, dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("jit-execution");
const worker = aWorker({ status: "RUNNING", name: "jit-worker" });

beforeAll(async () => {
  await fleet.workers.insert(worker, []);
});

/** Queries run compiled (graphql-jit); these are the corners where a compiler may part from graphql-js. */
describe("a query run by the compiled executor", () => {
  it("honours @include and @skip on fields, inline fragments and fragment spreads, nested too", async () => {
    const query = `query($yes: Boolean!, $no: Boolean!) { workers(first: 1) { edges { node {
        id ...Status @include(if: $yes) ...Type @include(if: $no)
        ... on Worker @skip(if: $yes) { region }
        ... on Worker { ...Outer @include(if: $yes) }
        name @skip(if: $no) amiId @skip(if: $yes) } } } }
      fragment Status on Worker { status }
      fragment Type on Worker { instanceType }
      fragment Outer on Worker { ...Inner @skip(if: $yes) publicIp }
      fragment Inner on Worker { privateIp }`;
    const read = dataOf(
      await gql<{ workers: { edges: { node: Record<string, unknown> }[] } }>(api.url, query, {
        token: fleet.tokens.VIEWER,
        variables: { yes: true, no: false },
      }),
    );
    expect(read.workers.edges[0]?.node).toEqual({
      id: worker.id,
      status: "RUNNING",
      publicIp: worker.publicIp,
      name: "jit-worker",
    });
  });

  it("answers a resolver's typed error with its code and the field's path, and a null where the field allows it", async () => {
    const result = await gql<{ a: unknown; b: unknown }>(
      api.url,
      'query { a: worker(id: "x\\u0000") { id } b: workers(first: 1) { totalCount } }',
      {
        token: fleet.tokens.VIEWER,
      },
    );
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors[0]).toMatchObject({ path: ["a"] });
    expect(result.data).toEqual({ a: null, b: { totalCount: 1 } });
  });
});
