import { describe, expect, it, vi } from "vitest";
import { LIVE_CONNECTION_LIMITS } from "../../src/auth/credential-limits";
import { dataOf, gql, PATIENCE } from "./support/graphql-client";
import { type GraphqlSocket, openGraphqlSocket, openSseStream, type SseStream } from "./support/live-clients";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("connection-limits");

const EVENTS = "subscription { fleetEvents { id } }";

async function freshViewerToken(name: string): Promise<string> {
  const created = dataOf(
    await gql<{ createApiToken: { token: string } }>(
      api.url,
      "mutation($name: String!) { createApiToken(name: $name, role: VIEWER) { token } }",
      { token: fleet.tokens.ADMIN, variables: { name } },
    ),
  );
  return created.createApiToken.token;
}

describe("operations on one graphql-ws connection", () => {
  it("refuses the subscribe beyond the limit with QUOTA_EXCEEDED, and takes another once one completes", async () => {
    const socket = await openGraphqlSocket(api.wsUrl, fleet.tokens.VIEWER);
    try {
      const limit = LIVE_CONNECTION_LIMITS.operationsPerConnection;
      for (let index = 0; index < limit; index++) {
        socket.subscribe(`watch-${index}`, EVENTS);
      }
      socket.subscribe("one-too-many", EVENTS);
      await vi.waitFor(() => expect(socket.refusal("one-too-many")).not.toBeNull(), PATIENCE);
      const [refusal] = socket.refusal("one-too-many") ?? [];
      expect(refusal?.extensions?.code).toBe("QUOTA_EXCEEDED");
      expect(refusal?.message).toContain(`at most ${limit}`);
      expect(Array.from({ length: limit }, (_, index) => socket.refusal(`watch-${index}`))).toEqual(
        Array.from({ length: limit }, () => null),
      );

      socket.complete("watch-0");
      socket.subscribe("after-one-completed", "{ viewer { name } }");
      await vi.waitFor(
        () =>
          expect(socket.results("after-one-completed")).toEqual([
            { data: { viewer: { name: "viewer-token" } } },
          ]),
        PATIENCE,
      );
    } finally {
      await socket.close();
    }
  });
});

describe("connections of one credential", () => {
  it("refuses the connection beyond the limit (4429, with a reason), counting SSE streams, and frees a place when one closes", async () => {
    const token = await freshViewerToken("many connections");
    const limit = LIVE_CONNECTION_LIMITS.connectionsPerCredential;
    const sockets: GraphqlSocket[] = [];
    const streams: SseStream<unknown>[] = [];
    try {
      for (let index = 0; index < limit - 1; index++) {
        sockets.push(await openGraphqlSocket(api.wsUrl, token));
      }
      const stream = openSseStream(api.url, token, EVENTS);
      streams.push(stream);
      await expect(stream.status).resolves.toBe(200);
      expect(sockets.every((socket) => socket.acknowledged)).toBe(true);

      const refused = await openGraphqlSocket(api.wsUrl, token);
      expect(refused.acknowledged).toBe(false);
      expect(await refused.closed).toEqual({
        code: 4429,
        reason: `too many connections: this credential already holds ${limit}`,
      });

      const refusedStream = openSseStream(api.url, token, EVENTS);
      streams.push(refusedStream);
      await refusedStream.ended;
      expect(refusedStream.results.map((result) => result.errors?.[0]?.extensions?.code)).toEqual([
        "QUOTA_EXCEEDED",
      ]);

      // Other credentials are not affected.
      const other = await openGraphqlSocket(api.wsUrl, fleet.tokens.VIEWER);
      expect(other.acknowledged).toBe(true);
      await other.close();

      await sockets[0]?.close();
      await vi.waitFor(async () => {
        const again = await openGraphqlSocket(api.wsUrl, token);
        sockets.push(again);
        expect(again.acknowledged).toBe(true);
      }, PATIENCE);
    } finally {
      await Promise.all(sockets.map((socket) => socket.close()));
      await Promise.all(streams.map((stream) => stream.dispose()));
    }
  });
});
