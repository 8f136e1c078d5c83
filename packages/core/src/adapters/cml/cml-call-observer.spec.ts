import { describe, expect, it } from "vitest";
import { CmlError } from "../../errors";
import type { UpstreamCall } from "../../ports/call-observer.port";
import { cmlRouteOf, observeCmlTransport } from "./cml-call-observer";
import type { CmlHttpResponse, CmlTransport } from "./cml-http-transport";

describe("cmlRouteOf", () => {
  it.each([
    ["GET", "/system_information", "GET /system_information"],
    ["GET", "/labs?show_all=true", "GET /labs"],
    ["GET", "/labs/3f1c2a4e-9b7d-4c1e-8a2b-1d2e3f4a5b6c", "GET /labs/:id"],
    ["PUT", "/labs/a1b2c3/stop", "PUT /labs/:id/stop"],
    ["PUT", "/labs/deadbe/stop", "PUT /labs/:id/stop"],
    ["DELETE", "/licensing/deregistration", "DELETE /licensing/deregistration"],
  ])("%s %s is %s", (method, path, route) => {
    expect(cmlRouteOf(method, path)).toBe(route);
  });
});

function transportAnswering(answer: () => Promise<CmlHttpResponse>): CmlTransport {
  return { send: answer, destroy: () => {} };
}

describe("observeCmlTransport", () => {
  const request = { baseUrl: "https://10.0.0.1", method: "GET", path: "/labs/a1b2c3" } as const;

  it("reports a success, an HTTP error status and a thrown error, passing each through", async () => {
    const calls: UpstreamCall[] = [];
    const observer = { onCall: (call: UpstreamCall) => calls.push(call) };

    const ok = observeCmlTransport(
      transportAnswering(async () => ({ status: 200, body: {} })),
      observer,
    );
    await expect(ok.send(request)).resolves.toEqual({ status: 200, body: {} });

    const notFound = observeCmlTransport(
      transportAnswering(async () => ({ status: 404, body: null })),
      observer,
    );
    await expect(notFound.send(request)).resolves.toEqual({ status: 404, body: null });

    const failure = new CmlError("timeout", request.baseUrl, "no answer");
    const down = observeCmlTransport(
      transportAnswering(async () => {
        throw failure;
      }),
      observer,
    );
    await expect(down.send(request)).rejects.toBe(failure);

    expect(calls.map(({ upstream, operation, error }) => ({ upstream, operation, error }))).toEqual([
      { upstream: "cml", operation: "GET /labs/:id", error: undefined },
      { upstream: "cml", operation: "GET /labs/:id", error: { code: "http_404" } },
      { upstream: "cml", operation: "GET /labs/:id", error: { code: "timeout" } },
    ]);
    expect(calls.every((call) => call.durationMs >= 0)).toBe(true);
  });
});
