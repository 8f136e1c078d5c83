import type { Role } from "@cml-fleet/core/domain/role";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { createApiTokenRepository } from "@cml-fleet/platform/repositories/api-token.repository";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { subscriberCount } from "../../../platform/test/support/test-redis";
import { codes, dataOf, gql, PATIENCE } from "./support/graphql-client";
import {
  type GraphqlSocket,
  openGraphqlSocket,
  openSseStream,
  type ResultPayload,
} from "./support/live-clients";
import { type TestApi, useTestFleet } from "./support/test-fleet";

// Two replicas on one Postgres and one Redis: tokens are revoked through `first`, and held open on `second`.
const { fleet, api: first } = useTestFleet("credential-revocation");
let second: TestApi;

beforeAll(async () => {
  second = await fleet.startApi();
  // Both replicas listen for revocations before any test revokes.
  await vi.waitFor(async () => {
    expect(await subscriberCount(fleet.redis, `${fleet.prefix}:${TOPICS.credentialRevoked}`)).toBe(2);
  }, PATIENCE);
});

interface WatchedWorker {
  workerChanged: { id: string; tags: { key: string; value: string }[] };
}

const REVOKED_REASON = "credential revoked: it no longer works; use another token";
const WATCH = "subscription($id: ID) { workerChanged(id: $id) { id tags { key value } } }";
const SET_STEP = `mutation($id: ID!, $step: String!) { setWorkerTags(id: $id, tags: [{ key: "step", value: $step }]) { id } }`;

async function createToken(role: Role, name: string): Promise<{ id: string; secret: string }> {
  const created = dataOf(
    await gql<{ createApiToken: { token: string; apiToken: { id: string } } }>(
      first.url,
      "mutation($name: String!, $role: Role!) { createApiToken(name: $name, role: $role) { token apiToken { id } } }",
      { token: fleet.tokens.ADMIN, variables: { name, role } },
    ),
  );
  return { id: created.createApiToken.apiToken.id, secret: created.createApiToken.token };
}

async function revokeThroughFirst(id: string): Promise<void> {
  dataOf(
    await gql(first.url, "mutation($id: ID!) { revokeApiToken(id: $id) { id } }", {
      token: fleet.tokens.ADMIN,
      variables: { id },
    }),
  );
}

async function createWorker(name: string): Promise<string> {
  const created = dataOf(
    await gql<{ createWorker: { worker: { id: string } } }>(
      first.url,
      `mutation($name: String!) { createWorker(input: { name: $name, region: "us-east-1" }) { worker { id } } }`,
      { token: fleet.tokens.ADMIN, variables: { name } },
    ),
  );
  return created.createWorker.worker.id;
}

async function setStep(id: string, step: string): Promise<void> {
  dataOf(await gql(first.url, SET_STEP, { token: fleet.tokens.ADMIN, variables: { id, step } }));
}

async function stepOf(id: string): Promise<string | undefined> {
  const found = dataOf(
    await gql<{ worker: { tags: { key: string; value: string }[] } }>(
      first.url,
      "query($id: ID!) { worker(id: $id) { tags { key value } } }",
      { token: fleet.tokens.VIEWER, variables: { id } },
    ),
  );
  return found.worker.tags.find((tag) => tag.key === "step")?.value;
}

/** The `step` tags a subscriber has seen, in order. */
function stepsSeen(results: readonly ResultPayload<WatchedWorker>[]): string[] {
  return results.flatMap(
    (result) =>
      result.data?.workerChanged.tags.filter((tag) => tag.key === "step").map((tag) => tag.value) ?? [],
  );
}

describe("a token revoked while its WebSocket is open", () => {
  it("is closed on the other replica at once (4401): nothing more arrives, and a mutation sent on it does not run", async () => {
    const token = await createToken("OPERATOR", "ws revoked");
    const workerId = await createWorker("ws-watched");
    const revoked = await openGraphqlSocket(second.wsUrl, token.secret);
    // A VIEWER watching the same worker on the same replica: it shows when the later change has been delivered.
    const control = await openGraphqlSocket(second.wsUrl, fleet.tokens.VIEWER);
    try {
      revoked.subscribe("watch", WATCH, { id: workerId });
      control.subscribe("watch", WATCH, { id: workerId });
      await expect
        .poll(() => subscriberCount(fleet.redis, `${fleet.prefix}:${TOPICS.workerChanged}`), PATIENCE)
        .toBeGreaterThanOrEqual(1);
      // Until the change made through this very socket reaches both subscribers, everything works as usual.
      revoked.subscribe("own-change", SET_STEP, { id: workerId, step: "before" });
      await vi.waitFor(() => {
        expect(revoked.results("own-change")).toEqual([{ data: { setWorkerTags: { id: workerId } } }]);
        expect(stepsSeen(revoked.results("watch"))).toContain("before");
        expect(stepsSeen(control.results("watch"))).toContain("before");
      }, PATIENCE);

      await revokeThroughFirst(token.id);
      await setStep(workerId, "after");

      await vi.waitFor(() => expect(stepsSeen(control.results("watch"))).toContain("after"), PATIENCE);
      expect(stepsSeen(revoked.results("watch"))).toEqual(["before"]);
      // Closed by the revocation message, not by a later check of its own.
      expect(await revoked.closed).toEqual({ code: 4401, reason: REVOKED_REASON });
      revoked.subscribe("late-change", SET_STEP, { id: workerId, step: "from-the-revoked-socket" });
      expect(revoked.results("late-change")).toEqual([]);
      expect(await stepOf(workerId)).toBe("after");
      expect(control.acknowledged).toBe(true);
    } finally {
      await revoked.close();
      await control.close();
    }
  });

  it("refuses the socket's next operation even when no revocation message arrives (the credential is checked per operation)", async () => {
    const token = await createToken("OPERATOR", "ws checked");
    const workerId = await createWorker("ws-checked");
    const socket = await openGraphqlSocket(second.wsUrl, token.secret);
    try {
      socket.subscribe("first", "{ viewer { name } }");
      await vi.waitFor(
        () => expect(socket.results("first")).toEqual([{ data: { viewer: { name: "ws checked" } } }]),
        PATIENCE,
      );
      // Revoked in the database only, as if the pub/sub message had been lost.
      await createApiTokenRepository(fleet.db.db).revoke(token.id, new Date());

      socket.subscribe("second", SET_STEP, { id: workerId, step: "should-not-run" });
      expect(await socket.closed).toEqual({ code: 4401, reason: expect.stringContaining("no longer valid") });
      expect(socket.results("second")).toEqual([]);
      expect(await stepOf(workerId)).toBeUndefined();
    } finally {
      await socket.close();
    }
  });
});

describe("a token revoked while its SSE stream is open", () => {
  it("has its stream ended on the other replica at once, with UNAUTHENTICATED last and nothing more", async () => {
    const token = await createToken("VIEWER", "sse revoked");
    const workerId = await createWorker("sse-watched");
    const revoked = openSseStream<WatchedWorker>(second.url, token.secret, WATCH, { id: workerId });
    const control = openSseStream<WatchedWorker>(second.url, fleet.tokens.VIEWER, WATCH, { id: workerId });
    try {
      await expect(revoked.status).resolves.toBe(200);
      await expect(control.status).resolves.toBe(200);
      await vi.waitFor(async () => {
        await setStep(workerId, "before");
        expect(stepsSeen(revoked.results)).toContain("before");
        expect(stepsSeen(control.results)).toContain("before");
      }, PATIENCE);
      const seenBefore = stepsSeen(revoked.results);

      await revokeThroughFirst(token.id);
      await setStep(workerId, "after");

      await vi.waitFor(() => expect(stepsSeen(control.results)).toContain("after"), PATIENCE);
      await revoked.ended;
      expect(revoked.failure).toBeNull();
      expect(stepsSeen(revoked.results)).toEqual(seenBefore);
      expect(revoked.results.at(-1)?.errors?.map((error) => error.extensions?.code)).toEqual([
        "UNAUTHENTICATED",
      ]);
      expect(revoked.results.at(-1)?.errors?.[0]?.message).toBe(REVOKED_REASON);

      // The credential runs nothing more over HTTP either.
      const refused = await gql(second.url, SET_STEP, {
        token: token.secret,
        variables: { id: workerId, step: "from-the-revoked-token" },
      });
      expect(codes(refused)).toEqual(["UNAUTHENTICATED"]);
      expect(await stepOf(workerId)).toBe("after");
    } finally {
      await revoked.dispose();
      await control.dispose();
    }
  });
});

describe("revocation is about one credential", () => {
  it("leaves other credentials' sockets open", async () => {
    const doomed = await createToken("VIEWER", "doomed");
    const kept = await createToken("VIEWER", "kept");
    const doomedSocket = await openGraphqlSocket(second.wsUrl, doomed.secret);
    const keptSocket: GraphqlSocket = await openGraphqlSocket(second.wsUrl, kept.secret);
    try {
      await revokeThroughFirst(doomed.id);
      expect((await doomedSocket.closed).code).toBe(4401);
      keptSocket.subscribe("still", "{ viewer { name } }");
      await vi.waitFor(
        () => expect(keptSocket.results("still")).toEqual([{ data: { viewer: { name: "kept" } } }]),
        PATIENCE,
      );
    } finally {
      await doomedSocket.close();
      await keptSocket.close();
    }
  });
});

describe("a revocation message that never arrives", () => {
  it("still ends the credential's idle socket and stream at the next periodic check", async () => {
    // A replica that checks live credentials every 200 ms, so the test need not wait the default 30 s.
    const checking = await fleet.startApi({ credentialRecheckMs: 200 });
    const token = await createToken("VIEWER", "lost message");
    const socket = await openGraphqlSocket(checking.wsUrl, token.secret);
    const stream = openSseStream<WatchedWorker>(checking.url, token.secret, WATCH);
    try {
      expect(socket.acknowledged).toBe(true);
      await expect(stream.status).resolves.toBe(200);
      // Revoked in the database only, as if the pub/sub message had been lost; the socket sends nothing.
      await createApiTokenRepository(fleet.db.db).revoke(token.id, new Date());

      expect(await socket.closed).toEqual({
        code: 4401,
        reason: "credential no longer valid: unknown or revoked token",
      });
      await stream.ended;
      expect(stream.results.at(-1)?.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    } finally {
      await socket.close();
      await stream.dispose();
    }
  });
});

describe("a credential whose role changes", () => {
  it("has its sockets closed with 4403 at the next periodic check, to connect again with the new role", async () => {
    const checking = await fleet.startApi({ credentialRecheckMs: 200 });
    const token = await createToken("OPERATOR", "demoted");
    const socket = await openGraphqlSocket(checking.wsUrl, token.secret);
    try {
      expect(socket.acknowledged).toBe(true);
      // No mutation changes a token's role today; an ADMIN's SQL (or a future one) does.
      await fleet.db.db.execute(`update api_tokens set role = 'VIEWER' where id = '${token.id}'`);
      expect(await socket.closed).toEqual({
        code: 4403,
        reason: "credential's role changed: connect again to continue with the new role",
      });
    } finally {
      await socket.close();
    }
  });
});
