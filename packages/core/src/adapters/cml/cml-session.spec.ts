import { describe, expect, it } from "vitest";
import { CmlError } from "../../errors";
import type { CmlSessionStore, SharedCmlSession } from "../../ports/cml-session-store.port";
import type { Logger } from "../../ports/logger.port";
import type { CmlHttpRequest, CmlHttpResponse, CmlTransport } from "./cml-http-transport";
import { createCmlSessions, sharedSessionTtlMs } from "./cml-session";

const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silent,
};

/** A CML that issues numbered tokens and accepts only the latest one. */
function fakeCml(options: { rejectLogin?: boolean } = {}) {
  const requests: CmlHttpRequest[] = [];
  let issued = 0;
  let valid = "";
  const transport: CmlTransport = {
    async send(request): Promise<CmlHttpResponse> {
      requests.push(request);
      if (request.path === "/auth_extended") {
        if (options.rejectLogin === true) {
          return { status: 403, body: { code: 403, description: "Authentication failed!" } };
        }
        issued += 1;
        valid = `token-${issued}`;
        return { status: 200, body: { username: "fleet", id: "fleet-user-id", token: valid } };
      }
      if (request.token !== valid) {
        return { status: 401, body: { code: 401, description: "Unauthorized" } };
      }
      return { status: 200, body: { ok: true } };
    },
    destroy: () => {},
  };
  return {
    transport,
    requests,
    expireTokens: () => {
      valid = "expired";
    },
  };
}

const endpoint = { workerId: "w1", baseUrl: "https://127.0.0.1:1" };

describe("createCmlSessions", () => {
  it("logs in once, reuses the token, and learns its own user id", async () => {
    const cml = fakeCml();
    const sessions = createCmlSessions({
      transport: cml.transport,
      username: "fleet",
      password: "pw",
      logger: silent,
    });
    await Promise.all([
      sessions.call(endpoint, { method: "GET", path: "/a" }),
      sessions.call(endpoint, { method: "GET", path: "/b" }),
    ]);
    expect(await sessions.userId(endpoint)).toBe("fleet-user-id");
    expect(cml.requests.filter((request) => request.path === "/auth_extended")).toHaveLength(1);
    expect(cml.requests[0]?.json).toEqual({ username: "fleet", password: "pw" });
  });

  it("on a 401 logs in again once and retries once", async () => {
    const cml = fakeCml();
    const sessions = createCmlSessions({
      transport: cml.transport,
      username: "fleet",
      password: "pw",
      logger: silent,
    });
    await sessions.call(endpoint, { method: "GET", path: "/a" });
    cml.expireTokens();
    const response = await sessions.call(endpoint, { method: "GET", path: "/a" });
    expect(response.status).toBe(200);
    expect(cml.requests.map((request) => `${request.path}:${request.token ?? "-"}`)).toEqual([
      "/auth_extended:-",
      "/a:token-1",
      "/a:token-1",
      "/auth_extended:-",
      "/a:token-2",
    ]);
  });

  it("logs in again when the worker comes back on another address, and after forget", async () => {
    const cml = fakeCml();
    const sessions = createCmlSessions({
      transport: cml.transport,
      username: "fleet",
      password: "pw",
      logger: silent,
    });
    await sessions.call(endpoint, { method: "GET", path: "/a" });
    await sessions.call({ ...endpoint, baseUrl: "https://127.0.0.2:1" }, { method: "GET", path: "/a" });
    sessions.forget("w1");
    await sessions.call({ ...endpoint, baseUrl: "https://127.0.0.2:1" }, { method: "GET", path: "/a" });
    expect(cml.requests.filter((request) => request.path === "/auth_extended")).toHaveLength(3);
  });

  it("reports rejected credentials as unauthorized with CML's message", async () => {
    const cml = fakeCml({ rejectLogin: true });
    const sessions = createCmlSessions({
      transport: cml.transport,
      username: "fleet",
      password: "bad",
      logger: silent,
    });
    const failure = sessions.call(endpoint, { method: "GET", path: "/a" });
    await expect(failure).rejects.toBeInstanceOf(CmlError);
    await expect(failure).rejects.toMatchObject({ kind: "unauthorized", httpStatus: 403 });
    await expect(failure).rejects.toThrow(/Authentication failed!/);
  });
});

/** The job processes' shared store, in memory; `failing` makes every call reject (Redis down). */
function memoryStore(options: { failing?: boolean } = {}) {
  const kept = new Map<string, { session: SharedCmlSession; ttlMs: number }>();
  const fail = () => Promise.reject(new Error("store down"));
  const store: CmlSessionStore = {
    get: async (workerId) => (options.failing === true ? fail() : (kept.get(workerId)?.session ?? null)),
    async put(workerId, session, ttlMs) {
      if (options.failing === true) {
        return fail();
      }
      kept.set(workerId, { session, ttlMs });
    },
    async delete(workerId, token) {
      if (options.failing === true) {
        return fail();
      }
      if (token === undefined || kept.get(workerId)?.session.token === token) {
        kept.delete(workerId);
      }
    },
  };
  return { store, kept };
}

const logins = (cml: ReturnType<typeof fakeCml>) =>
  cml.requests.filter((request) => request.path === "/auth_extended").length;

describe("createCmlSessions with a store shared by job processes", () => {
  const process = (cml: ReturnType<typeof fakeCml>, store: CmlSessionStore) =>
    createCmlSessions({ transport: cml.transport, username: "fleet", password: "pw", logger: silent, store });

  it("a worker another process signed in to needs no login of its own", async () => {
    const cml = fakeCml();
    const { store, kept } = memoryStore();
    await process(cml, store).call(endpoint, { method: "GET", path: "/a" });
    const other = process(cml, store);
    await other.call(endpoint, { method: "GET", path: "/b" });
    expect(await other.userId(endpoint)).toBe("fleet-user-id");
    expect(logins(cml)).toBe(1);
    expect(kept.get("w1")?.session).toMatchObject({ baseUrl: endpoint.baseUrl, token: "token-1" });
  });

  it("a refused shared token is dropped and replaced by a new login, which the other process takes in turn", async () => {
    const cml = fakeCml();
    const { store, kept } = memoryStore();
    const first = process(cml, store);
    const second = process(cml, store);
    await first.call(endpoint, { method: "GET", path: "/a" });
    cml.expireTokens();
    expect((await second.call(endpoint, { method: "GET", path: "/a" })).status).toBe(200);
    expect(kept.get("w1")?.session.token).toBe("token-2");
    // The first process's own token was refused too: it takes the shared replacement, no third login.
    expect((await first.call(endpoint, { method: "GET", path: "/a" })).status).toBe(200);
    expect(logins(cml)).toBe(2);
    expect(kept.get("w1")?.session.token).toBe("token-2");
  });

  it("is not used for another address or another machine, and forget drops it", async () => {
    const cml = fakeCml();
    const { store, kept } = memoryStore();
    await process(cml, store).call(endpoint, { method: "GET", path: "/a" });
    await process(cml, store).call(
      { ...endpoint, baseUrl: "https://127.0.0.2:1" },
      { method: "GET", path: "/a" },
    );
    await process(cml, store).call(
      { ...endpoint, baseUrl: "https://127.0.0.2:1", certificatePin: "sha256:another-machine" },
      { method: "GET", path: "/a" },
    );
    expect(logins(cml)).toBe(3);
    process(cml, store).forget("w1");
    await Promise.resolve();
    expect(kept.has("w1")).toBe(false);
  });

  it("still signs in when the store fails", async () => {
    const cml = fakeCml();
    const { store } = memoryStore({ failing: true });
    expect((await process(cml, store).call(endpoint, { method: "GET", path: "/a" })).status).toBe(200);
    expect(logins(cml)).toBe(1);
  });
});

describe("sharedSessionTtlMs", () => {
  const jwt = (claims: unknown) =>
    `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.signature`;

  it("lasts until a minute before the token's exp, an hour for a token naming none, nothing for one lapsing", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(sharedSessionTtlMs(jwt({ exp: now / 1000 + 3_600 }), now)).toBe(3_540_000);
    expect(sharedSessionTtlMs(jwt({ sub: "fleet" }), now)).toBe(3_600_000);
    expect(sharedSessionTtlMs("opaque-token", now)).toBe(3_600_000);
    expect(sharedSessionTtlMs(jwt({ exp: now / 1000 + 30 }), now)).toBe(0);
  });
});
