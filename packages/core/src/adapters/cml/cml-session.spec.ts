import { describe, expect, it } from "vitest";
import { CmlError } from "../../errors";
import type { Logger } from "../../ports/logger.port";
import type { CmlHttpRequest, CmlHttpResponse, CmlTransport } from "./cml-http-transport";
import { createCmlSessions } from "./cml-session";

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
