import { randomUUID } from "node:crypto";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { createAuditRepository } from "@cml-fleet/platform/repositories/audit.repository";
import { afterAll } from "vitest";
import { edgeOptionsFrom } from "../../../src/http/edge-options";
import { type RunningApiServer, startApiServer } from "../../../src/http/server";
import type { TestApi, TestFleet } from "../../graphql/support/test-fleet";

/** What production needs besides NODE_ENV (real secrets, its backends), for servers started as production would be. */
export const PRODUCTION = {
  NODE_ENV: "production",
  CML_PASSWORD: "a-real-cml-password",
  DATABASE_URL: "postgres://fleet:secret@db.internal:5432/fleet",
  CLOUD_PROVIDER: "sim",
  CML_FLEET_ALLOW_SIMULATOR: "true",
} as const;

export interface EdgeServer {
  readonly url: string;
  /** e.g. http://127.0.0.1:40123 (for /healthz, /readyz, /metrics). */
  readonly origin: string;
  readonly server: RunningApiServer;
}

/**
 * More API servers on the test fleet's app, each with the edge settings that
 * `env` gives (read through loadSettings, as the process reads its
 * environment), so that a test shows what a setting changes. Closed after the file.
 */
export function edgeServers(api: TestApi) {
  const started: RunningApiServer[] = [];
  afterAll(async () => {
    for (const server of started.reverse()) {
      await server.close();
    }
  });
  return {
    async start(env: Record<string, string>): Promise<EdgeServer> {
      const settings = loadSettings({ NODE_ENV: "test", LOG_LEVEL: "fatal", ...env });
      const server = await startApiServer({ ...api.app.deps, edge: edgeOptionsFrom(settings) }, { port: 0 });
      started.push(server);
      return { url: server.url, origin: server.url.replace(/\/graphql$/, ""), server };
    },
  };
}

/** A request id of its own, to find exactly the audit rows one request wrote. */
export function freshRequestId(): string {
  return `edge-${randomUUID()}`;
}

/** The audit rows written for one request id. */
export async function auditRowsOf(fleet: TestFleet, requestId: string) {
  const rows = await createAuditRepository(fleet.db.db).list(1_000);
  return rows.filter((row) => row.requestId === requestId);
}
