import { createApiApp } from "@cml-fleet/api/app";
import { startApiServer } from "@cml-fleet/api/http/server";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { failStartup, send, serveRunner } from "../harness/child-side";
import { fleetChildSettings } from "../harness/fleet-child-env";

interface QueryableClient {
  query: (...args: unknown[]) => unknown;
}

/**
 * Counts every statement any pooled connection sends: the pool's clients
 * share one prototype, so wrapping its `query` once sees them all (reads
 * through the pool and transactions alike).
 */
async function countStatements(pool: { connect(): Promise<{ release(): void }> }): Promise<() => number> {
  let statements = 0;
  const client = await pool.connect();
  const prototype = Object.getPrototypeOf(client) as QueryableClient;
  client.release();
  const original = prototype.query;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    statements++;
    return original.apply(this, args);
  };
  return () => statements;
}

/** The API process as production composes it (createApiApp + startApiServer) on the runner's schema and prefix. */
async function main(): Promise<void> {
  const { settings, databaseSchema } = fleetChildSettings();
  const app = await createApiApp({ settings, logger: silentLogger, databaseSchema });
  const connection = app.database.connection;
  const statements = connection.kind === "pg" ? await countStatements(connection.pool) : () => Number.NaN;
  const server = await startApiServer(app.deps, { port: 0, host: "127.0.0.1" });
  serveRunner(
    async (message) => {
      if (message.type === "statements") {
        return { type: "statements", count: statements() };
      }
      if (message.type === "usage") {
        return { type: "usage", cpu: process.cpuUsage(), rss: process.memoryUsage().rss };
      }
      return null;
    },
    async () => {
      await server.close();
      await app.close();
    },
  );
  send({ type: "ready", url: server.url });
}

main().catch(failStartup);
