import { describe, expect, it } from "vitest";
import { CSRF_HEADER } from "../../src/http/csrf-prevention.plugin";
import { codes, gql } from "../graphql/support/graphql-client";
import { useTestFleet } from "../graphql/support/test-fleet";
import { edgeServers } from "./support/edge-servers";

const { fleet, api } = useTestFleet("edge-cors-csrf", { env: { CORS_ORIGINS: "https://ok.example" } });
const servers = edgeServers(api);

const QUERY = JSON.stringify({ query: "{ workers { totalCount } }" });

function post(url: string, headers: Record<string, string>, body = QUERY) {
  return fetch(url, { method: "POST", headers, body });
}

function preflight(url: string, origin: string) {
  return fetch(url, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });
}

describe("CORS_ORIGINS", () => {
  const json = () => ({ "content-type": "application/json", authorization: `Bearer ${fleet.tokens.VIEWER}` });

  it("lets a listed origin's page read the answer", async () => {
    const answer = await post(api.url, { ...json(), origin: "https://ok.example" });
    expect(answer.headers.get("access-control-allow-origin")).toBe("https://ok.example");
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
    const asked = await preflight(api.url, "https://ok.example");
    expect(asked.headers.get("access-control-allow-origin")).toBe("https://ok.example");
    expect(asked.headers.get("access-control-allow-headers")).toMatch(/authorization/i);
  });

  it("gives another origin no CORS headers, so its page cannot read the answer or send the request", async () => {
    const answer = await post(api.url, { ...json(), origin: "https://evil.example" });
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    const asked = await preflight(api.url, "https://evil.example");
    expect(asked.headers.get("access-control-allow-origin")).toBeNull();
    expect(asked.headers.get("access-control-allow-headers")).toBeNull();
  });

  it("allows no origin when empty, and any origin with *", async () => {
    const none = await servers.start({});
    expect(
      (await preflight(none.url, "https://ok.example")).headers.get("access-control-allow-origin"),
    ).toBeNull();
    const any = await servers.start({ CORS_ORIGINS: "*" });
    const asked = await preflight(any.url, "https://anyone.example");
    expect(asked.headers.get("access-control-allow-origin")).toBe("https://anyone.example");
  });

  it("takes several origins", async () => {
    const two = await servers.start({ CORS_ORIGINS: "https://a.example,https://b.example" });
    for (const origin of ["https://a.example", "https://b.example"]) {
      expect((await preflight(two.url, origin)).headers.get("access-control-allow-origin")).toBe(origin);
    }
    expect(
      (await preflight(two.url, "https://c.example")).headers.get("access-control-allow-origin"),
    ).toBeNull();
  });
});

describe("CSRF prevention", () => {
  it("refuses a request a page on another site could send without a preflight, running nothing", async () => {
    const mutation = JSON.stringify({
      query: `mutation { createWorker(input: { name: "csrf", region: "us-east-1" }) { worker { id } } }`,
    });
    for (const contentType of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const answer = await post(api.url, { "content-type": contentType }, mutation);
      expect(answer.status, contentType).toBe(403);
      const body = (await answer.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe("FORBIDDEN");
      expect(body.errors[0]?.message).toMatch(/Content-Type: application\/json/);
    }
    const query = encodeURIComponent("{ workers { totalCount } }");
    expect((await fetch(`${api.url}?query=${query}`)).status).toBe(403);
  });

  it("lets through what the project's clients send: JSON posts, and GETs with a credential or the CSRF header", async () => {
    const query = encodeURIComponent("{ workers { totalCount } }");
    const viewer = { authorization: `Bearer ${fleet.tokens.VIEWER}` };
    expect(codes(await gql(api.url, "{ workers { totalCount } }", { token: fleet.tokens.VIEWER }))).toEqual(
      [],
    );
    expect((await fetch(`${api.url}?query=${query}`, { headers: viewer })).status).toBe(200);
    // Without a credential it gets as far as the credential check.
    expect((await fetch(`${api.url}?query=${query}`, { headers: { [CSRF_HEADER]: "1" } })).status).toBe(401);
  });
});

describe("batching", () => {
  it("is off: a JSON array of operations is refused", async () => {
    const answer = await post(
      api.url,
      { "content-type": "application/json", authorization: `Bearer ${fleet.tokens.VIEWER}` },
      JSON.stringify([{ query: "{ workers { totalCount } }" }, { query: "{ workers { totalCount } }" }]),
    );
    expect(answer.status).toBe(400);
    expect(await answer.text()).not.toContain("totalCount");
  });
});
