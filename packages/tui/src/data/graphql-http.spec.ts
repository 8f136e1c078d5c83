import { describe, expect, it } from "vitest";
import { ApiError } from "./api-error";
import { createGraphqlHttp } from "./graphql-http";

function fakeFetch(respond: () => Response | Promise<Response>) {
  const requests: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(input), init });
    return respond();
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

describe("createGraphqlHttp", () => {
  it("posts the query with the bearer token and returns data", async () => {
    const { fetch, requests } = fakeFetch(() => Response.json({ data: { viewer: { name: "a" } } }));
    const request = createGraphqlHttp({ url: "http://api/graphql", token: "secret", fetch });
    await expect(request("query { viewer { name } }", { x: 1 })).resolves.toEqual({ viewer: { name: "a" } });
    const headers = new Headers(requests[0]?.init?.headers);
    expect(headers.get("authorization")).toBe("Bearer secret");
    expect(JSON.parse(String(requests[0]?.init?.body))).toEqual({
      query: "query { viewer { name } }",
      variables: { x: 1 },
    });
  });

  it("fails with the API's message and code", async () => {
    const { fetch } = fakeFetch(() =>
      Response.json({ errors: [{ message: "Worker is terminated", extensions: { code: "CONFLICT" } }] }),
    );
    const request = createGraphqlHttp({ url: "http://api/graphql", token: null, fetch });
    await expect(request("mutation { x }")).rejects.toEqual(new ApiError("Worker is terminated", "CONFLICT"));
  });

  it("says which URL it could not reach", async () => {
    const { fetch } = fakeFetch(() => {
      throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:4000") });
    });
    const request = createGraphqlHttp({ url: "http://127.0.0.1:4000/graphql", token: null, fetch });
    await expect(request("query { x }")).rejects.toThrow(
      "API unreachable at http://127.0.0.1:4000/graphql (connect ECONNREFUSED 127.0.0.1:4000)",
    );
  });
});
