import fc from "fast-check";
import { REQUEST_LIMITS } from "../../src/http/limits";
import { hostileString, wrongTyped } from "./hostile-values";
import type { RawRequest } from "./raw-http";

/** Operations a real client might send, to wrap in broken envelopes. */
const DOCUMENTS = [
  "{ viewer { name role } }",
  "{ workers { totalCount edges { node { id name } } } }",
  "query Q($id: ID!) { worker(id: $id) { id } }",
  'mutation { stopWorker(id: "missing", reason: "r") { worker { id } } }',
  'mutation { createApiToken(name: "fuzz", role: VIEWER) { token } }',
  "subscription { workerChanged { id } }",
  "{ __schema { types { name fields { name } } } }",
  "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }",
  "{ viewer { name @include(if: true) @include(if: true) @skip(if: false) } }",
  `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: viewer { name }`).join(" ")} }`,
  "{ workers(first: 500) { edges { node { events(first: 500) { id } recentTelemetry(first: 500) { sampledAt } } } } }",
  'query { viewer { name } } mutation { stopWorker(id: "x") { job { id } } }',
  "",
  "{",
  "#",
];

const document = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...DOCUMENTS) },
  { weight: 1, arbitrary: hostileString(false) },
);

/** A JSON body of a wrong shape: not an object, or fields of the wrong kind. */
const wrongShape: fc.Arbitrary<unknown> = fc.oneof(
  wrongTyped,
  fc.record(
    {
      query: fc.oneof(document, wrongTyped),
      variables: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), wrongTyped, { maxKeys: 3 }), wrongTyped),
      operationName: fc.oneof(fc.constantFrom("Q", "", "Missing"), wrongTyped),
      extensions: fc.oneof(
        fc.constant({ persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } }),
        wrongTyped,
      ),
    },
    { requiredKeys: [] },
  ),
);

/** Bytes that are not JSON: cut JSON, a BOM, invalid UTF-8, duplicated keys, a nesting bomb. */
const notJson: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .constantFrom(
      "{",
      '{"query":',
      '{"query": "{ viewer { name } }",}',
      "nul",
      "undefined",
      '\ufeff{"query": "{ viewer { name } }"}',
      '{"query":"{ viewer { name } }","query":"mutation { revokeApiToken(id: \\"x\\") { id } }"}',
      "query=%7B%20viewer%20%7B%20name%20%7D%20%7D",
      '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"{ viewer { name } }"}\r\n--x--',
    )
    .map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc
    .constantFrom(1_000, 50_000, 100_000)
    .map((depth) =>
      Buffer.from(
        `{"query":"{ viewer { name } }","variables":{"x":${"[".repeat(depth)}${"]".repeat(depth)}}}`,
      ),
    ),
);

/** A well-formed body padded with a GraphQL comment to a size around the body limit. */
const sized: fc.Arbitrary<Buffer> = fc
  .constantFrom(
    REQUEST_LIMITS.maxBodyBytes - 100,
    REQUEST_LIMITS.maxBodyBytes,
    REQUEST_LIMITS.maxBodyBytes + 1,
    4 * REQUEST_LIMITS.maxBodyBytes,
  )
  .map((size) => {
    const head = '{"query":"{ viewer { name } } #';
    const tail = '"}';
    return Buffer.from(`${head}${"x".repeat(Math.max(0, size - head.length - tail.length))}${tail}`);
  });

const batch: fc.Arbitrary<Buffer> = fc
  .array(fc.record({ query: document }), { minLength: 0, maxLength: 60 })
  .map((operations) => Buffer.from(JSON.stringify(operations)));

const body: fc.Arbitrary<Buffer | null> = fc.oneof(
  { weight: 3, arbitrary: wrongShape.map((value) => Buffer.from(JSON.stringify(value) ?? "")) },
  { weight: 3, arbitrary: notJson },
  { weight: 2, arbitrary: batch },
  { weight: 1, arbitrary: sized },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
);

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "application/graphql-response+json",
  "application/graphql",
  "text/plain",
  "text/html",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "*/*",
  "",
];

const ACCEPTS = [
  "application/json",
  "application/graphql-response+json",
  "text/event-stream",
  "multipart/mixed",
  "text/html",
  "image/png",
  "*/*",
  "",
];

const METHODS = ["POST", "POST", "POST", "POST", "GET", "GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

/** A GET's query string: the operation in the URL, with hostile or broken parameters. */
const getPath: fc.Arbitrary<string> = fc
  .record({
    query: fc.option(document, { nil: undefined }),
    variables: fc.option(fc.oneof(fc.constantFrom("{", "[]", "null", '{"id": 1}'), hostileString(false)), {
      nil: undefined,
    }),
    operationName: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
  })
  .map((params) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) {
        search.set(key, value);
      }
    }
    return `/graphql?${search.toString()}`;
  });

const path: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("/graphql") },
  { weight: 2, arbitrary: getPath },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "/graphql/",
      "/GRAPHQL",
      "/graphql/../graphql",
      "/graphql%00",
      "/graphql?%zz",
      "//graphql",
    ),
  },
);

/** How the body goes on the wire: with its length, chunked without one, or cut off by a client going away. */
type Framing = "length" | "chunked" | "truncated";

export interface MalformedRequestCase {
  readonly request: RawRequest;
  readonly framing: Framing;
}

export function malformedRequest(
  authorization: fc.Arbitrary<string | null>,
): fc.Arbitrary<MalformedRequestCase> {
  return fc
    .record({
      method: fc.constantFrom(...METHODS),
      path,
      contentType: fc.constantFrom(...CONTENT_TYPES),
      accept: fc.constantFrom(...ACCEPTS),
      authorization,
      body,
      framing: fc.oneof(
        { weight: 8, arbitrary: fc.constant<Framing>("length") },
        { weight: 1, arbitrary: fc.constant<Framing>("chunked") },
        { weight: 1, arbitrary: fc.constant<Framing>("truncated") },
      ),
      cut: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ method, path: target, contentType, accept, authorization: auth, body: bytes, framing, cut }) => {
      const headers: Record<string, string> = {};
      if (contentType !== "") {
        headers["content-type"] = contentType;
      }
      if (accept !== "") {
        headers.accept = accept;
      }
      if (auth !== null) {
        headers.authorization = auth;
      }
      if (bytes !== null && framing === "length") {
        headers["content-length"] = String(bytes.length);
      }
      if (bytes !== null && framing === "chunked") {
        headers["transfer-encoding"] = "chunked";
      }
      const request: RawRequest =
        framing === "truncated" && bytes !== null && bytes.length > 1
          ? { method, path: target, headers, body: bytes, truncateAt: Math.floor(cut * (bytes.length - 1)) }
          : { method, path: target, headers, body: bytes };
      return { request, framing };
    });
}
