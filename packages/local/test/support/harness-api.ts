import { type ApiApp, createApiApp } from "@cml-fleet/api/app";
import { type RunningApiServer, startApiServer } from "@cml-fleet/api/http/server";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { afterAll, beforeAll } from "vitest";
import { type GraphqlCall, graphqlCaller } from "../../../api/test/graphql/support/graphql-client";
import type { FleetHarness } from "../../../jobs/test/support/fleet-harness";

export interface HarnessApiOptions {
  /** The harness's BOOTSTRAP_ADMIN_TOKEN; `admin` calls with it. */
  readonly adminToken: string;
  /** Whether to create an OPERATOR token (named "ops") once the API is up; true unless said otherwise. */
  readonly withOperator?: boolean;
}

export interface HarnessApi {
  readonly app: ApiApp;
  readonly url: string;
  readonly admin: GraphqlCall;
  /** Only when `withOperator` is not false. */
  readonly operatorToken: string;
  /** Calls with `operatorToken`. */
  readonly operator: GraphqlCall;
}

/**
 * The API over a harness's database and queues, started in beforeAll (with an OPERATOR token unless
 * `withOperator: false`) and closed in afterAll. Read its fields inside tests and hooks, not at describe time.
 */
export function useHarnessApi(fleet: FleetHarness, options: HarnessApiOptions): HarnessApi {
  let app: ApiApp | undefined;
  let server: RunningApiServer | undefined;
  let admin: GraphqlCall | undefined;
  let operatorToken: string | undefined;
  let operator: GraphqlCall | undefined;

  beforeAll(async () => {
    app = await createApiApp({
      settings: fleet.settings,
      logger: silentLogger,
      databaseSchema: fleet.testDb.schema,
    });
    server = await startApiServer(app.deps, { port: 0 });
    admin = graphqlCaller(server.url, options.adminToken);
    if (options.withOperator !== false) {
      const created = await admin<{ createApiToken: { token: string } }>(
        `mutation { createApiToken(name: "ops", role: OPERATOR) { token } }`,
      );
      operatorToken = created.createApiToken.token;
      operator = graphqlCaller(server.url, operatorToken);
    }
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) {
      throw new Error(`harness API: no ${what} (not started yet, or not asked for)`);
    }
    return value;
  };
  return {
    get app() {
      return ready(app, "app");
    },
    get url() {
      return ready(server, "server").url;
    },
    get admin() {
      return ready(admin, "admin caller");
    },
    get operatorToken() {
      return ready(operatorToken, "OPERATOR token");
    },
    get operator() {
      return ready(operator, "operator caller");
    },
  };
}
