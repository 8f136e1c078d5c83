import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { createObservability } from "@cml-fleet/platform/observability/observability";
import { trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { edgeOptionsFrom } from "../../src/http/edge-options";
import { type RunningApiServer, startApiServer } from "../../src/http/server";
import { gql } from "../graphql/support/graphql-client";
import { useTestFleet } from "../graphql/support/test-fleet";
import { PRODUCTION } from "./support/edge-servers";

const { fleet } = useTestFleet("edge-metrics");

const METRICS_TOKEN = "metrics-token-0123456789";
const started: RunningApiServer[] = [];
afterAll(async () => {
  for (const server of started.reverse()) {
    await server.close();
  }
});

/** An API measuring itself (so it has /metrics), with the edge settings of `env`. */
async function measuredApi(env: Record<string, string>) {
  const settings = loadSettings({ NODE_ENV: "test", LOG_LEVEL: "fatal", ...env });
  const measured = await fleet.startApi({
    observability: createObservability({ tracer: trace.getTracer("test") }),
  });
  const server = await startApiServer({ ...measured.app.deps, edge: edgeOptionsFrom(settings) }, { port: 0 });
  started.push(server);
  return {
    url: server.url,
    origin: server.url.replace(/\/graphql$/, ""),
    metricsOrigin: server.metricsOrigin,
  };
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe("/metrics", () => {
  it("is open on the API's port when neither METRICS_TOKEN nor METRICS_PORT is set", async () => {
    const open = await measuredApi({});
    await gql(open.url, "{ workers { totalCount } }", { token: fleet.tokens.VIEWER });
    const metrics = await fetch(`${open.origin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/graphql/i);
    expect(open.metricsOrigin).toBeNull();
  });

  it("asks for METRICS_TOKEN as a bearer token when it is set", async () => {
    const guarded = await measuredApi({ METRICS_TOKEN });
    const without = await fetch(`${guarded.origin}/metrics`);
    expect(without.status).toBe(401);
    expect(without.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect(await without.text()).not.toMatch(/graphql_/);
    expect((await fetch(`${guarded.origin}/metrics`, bearer("wrong-token-0123456789"))).status).toBe(401);
    // An API token, even an ADMIN one, is not the metrics token.
    expect((await fetch(`${guarded.origin}/metrics`, bearer(fleet.tokens.ADMIN))).status).toBe(401);
    const allowed = await fetch(`${guarded.origin}/metrics`, bearer(METRICS_TOKEN));
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/process_|graphql/);
  });

  it("moves to METRICS_PORT when it is set, leaving the API's port, with the token still asked for there", async () => {
    const split = await measuredApi({ METRICS_PORT: String(await freePort()), METRICS_TOKEN });
    expect(split.metricsOrigin).not.toBeNull();
    expect((await fetch(`${split.origin}/metrics`, bearer(METRICS_TOKEN))).status).toBe(404);
    expect((await fetch(`${split.metricsOrigin}/metrics`)).status).toBe(401);
    expect((await fetch(`${split.metricsOrigin}/metrics`, bearer(METRICS_TOKEN))).status).toBe(200);
    expect((await fetch(`${split.metricsOrigin}/healthz`)).status).toBe(200);
    // GraphQL is not served there.
    expect((await fetch(`${split.metricsOrigin}/graphql`)).status).toBe(404);
  });
});

describe("/readyz", () => {
  it("says which dependency failed only where that is allowed", async () => {
    const production = await measuredApi({ ...PRODUCTION, METRICS_PORT: String(await freePort()) });
    const publicReady = await fetch(`${production.origin}/readyz`);
    expect(publicReady.status).toBe(200);
    expect(await publicReady.json()).toEqual({ status: "ready" });
    for (const token of [fleet.tokens.VIEWER, fleet.tokens.OPERATOR, "cmlf_made-up"]) {
      expect(await (await fetch(`${production.origin}/readyz`, bearer(token))).json()).toEqual({
        status: "ready",
      });
    }
    expect(await (await fetch(`${production.origin}/readyz`, bearer(fleet.tokens.ADMIN))).json()).toEqual({
      status: "ready",
      checks: { postgres: "ok", redis: "ok", schedules: "ok" },
    });
    expect(await (await fetch(`${production.metricsOrigin}/readyz`)).json()).toEqual({
      status: "ready",
      checks: { postgres: "ok", redis: "ok", schedules: "ok" },
    });
  });

  it("in production, answers 503 without naming the failure on the public port", async () => {
    const settings = loadSettings({ ...PRODUCTION, LOG_LEVEL: "fatal" });
    const broken = await fleet.startApi();
    broken.app.redis.commands.disconnect();
    const server = await startApiServer({ ...broken.app.deps, edge: edgeOptionsFrom(settings) }, { port: 0 });
    started.push(server);
    const origin = server.url.replace(/\/graphql$/, "");
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "not ready" });
    const admin = await fetch(`${origin}/readyz`, bearer(fleet.tokens.ADMIN));
    expect(admin.status).toBe(503);
    const body = (await admin.json()) as { checks: Record<string, string> };
    expect(body.checks.postgres).toBe("ok");
    expect(body.checks.redis).not.toBe("ok");
  });
});

/** A port nothing listens on now (the OS picks it), for METRICS_PORT. */
async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
