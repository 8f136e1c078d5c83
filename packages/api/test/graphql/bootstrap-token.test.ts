import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import { describe, expect, it } from "vitest";
import { capturingLogger } from "../../../platform/test/support/capturing-logger";
import { createApiApp } from "../../src/app";
import { generateTokenSecret } from "../../src/auth/token-secret";
import { startApiServer } from "../../src/http/server";
import { codes, dataOf, gql } from "./support/graphql-client";
import { openGraphqlSocket } from "./support/live-clients";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("bootstrap-token");

/** Pino's level number for warnings. */
const WARN = 40;

/** Starts another API process on the fleet (as a restart or a new replica would) with this BOOTSTRAP_ADMIN_TOKEN. */
async function startWithBootstrap(secret: string) {
  const log = capturingLogger();
  const settings: Settings = {
    ...fleet.settings,
    auth: { ...fleet.settings.auth, bootstrapAdminToken: secret },
  };
  const app = await createApiApp({ settings, logger: log.logger, database: fleet.db.database });
  const server = await startApiServer(app.deps, { port: 0 });
  return {
    url: server.url,
    log,
    async close() {
      await server.close();
      await app.close();
    },
  };
}

async function viewerOf(url: string, token: string) {
  return gql<{ viewer: { name: string; role: string } }>(url, "{ viewer { name role } }", { token });
}

describe("BOOTSTRAP_ADMIN_TOKEN", () => {
  it("stays revoked when the API starts again after an ADMIN revoked it, and the log says how to choose another", async () => {
    const listed = dataOf(
      await gql<{ apiTokens: { id: string; name: string; revoked: boolean }[] }>(
        api.url,
        "{ apiTokens { id name revoked } }",
        { token: fleet.tokens.ADMIN },
      ),
    );
    const bootstrap = listed.apiTokens.find((token) => token.name === "bootstrap-admin" && !token.revoked);
    expect(bootstrap).toBeDefined();
    dataOf(
      await gql(api.url, "mutation($id: ID!) { revokeApiToken(id: $id) { id } }", {
        token: fleet.tokens.ADMIN,
        variables: { id: bootstrap?.id },
      }),
    );

    const restarted = await startWithBootstrap(fleet.tokens.ADMIN);
    try {
      expect(codes(await viewerOf(restarted.url, fleet.tokens.ADMIN))).toEqual(["UNAUTHENTICATED"]);
      const warning = restarted.log.lines.find(
        (line) => line.level === WARN && line.msg.startsWith("BOOTSTRAP_ADMIN_TOKEN was revoked"),
      );
      expect(warning?.msg).toContain("Set BOOTSTRAP_ADMIN_TOKEN to a new secret");
      expect(JSON.stringify(restarted.log.lines)).not.toContain(fleet.tokens.ADMIN);
    } finally {
      await restarted.close();
    }

    const chosen = generateTokenSecret();
    const withNewSecret = await startWithBootstrap(chosen);
    try {
      expect(dataOf(await viewerOf(withNewSecret.url, chosen)).viewer).toEqual({
        name: "bootstrap-admin",
        role: "ADMIN",
      });
      expect(
        withNewSecret.log.lines.some((line) => line.msg.startsWith("BOOTSTRAP_ADMIN_TOKEN was revoked")),
      ).toBe(false);
    } finally {
      await withNewSecret.close();
    }
  });

  it("retires the previous secret when another replica starts with a new one, closing its open sockets", async () => {
    const previous = generateTokenSecret();
    const first = await startWithBootstrap(previous);
    await first.close();
    const socket = await openGraphqlSocket(api.wsUrl, previous);
    const next = await startWithBootstrap(generateTokenSecret());
    try {
      expect(socket.acknowledged).toBe(true);
      expect(await socket.closed).toEqual({
        code: 4401,
        reason: "credential revoked: it no longer works; use another token",
      });
      expect(codes(await viewerOf(api.url, previous))).toEqual(["UNAUTHENTICATED"]);
    } finally {
      await socket.close();
      await next.close();
    }
  });
});
