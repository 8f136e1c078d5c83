import { randomBytes } from "node:crypto";
import { createFleetPubSub, type FleetPubSub } from "@cml-fleet/platform/pubsub/fleet-pubsub";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { capturingLogger } from "../../../platform/test/support/capturing-logger";
import { subscriberCount, TEST_REDIS_URL } from "../../../platform/test/support/test-redis";
import {
  createLiveCredentials,
  type LiveCredentials,
  type LiveEnding,
} from "../../src/auth/live-credentials";
import type { Principal } from "../../src/auth/principal";
import { PATIENCE } from "./support/graphql-client";

// Two registries (two API processes) on one real Redis, under a prefix of this file's own.
const prefix = `test-live-credentials-${randomBytes(4).toString("hex")}`;
const clients: Redis[] = [];
const log = capturingLogger();
let pubsubs: FleetPubSub[];
let here: LiveCredentials;
let there: LiveCredentials;

function redis(): Redis {
  const client = new Redis(TEST_REDIS_URL);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  pubsubs = [0, 1].map(() =>
    createFleetPubSub({
      publishClient: redis(),
      subscribeClient: redis(),
      keyPrefix: prefix,
      logger: log.logger,
    }),
  );
  const [one, two] = pubsubs;
  if (one === undefined || two === undefined) {
    throw new Error("two pub/sub streams expected");
  }
  const clock = { now: () => new Date() };
  here = createLiveCredentials({ pubsub: one, clock, logger: log.logger, connectionsPerCredential: 2 });
  there = createLiveCredentials({ pubsub: two, clock, logger: log.logger, connectionsPerCredential: 2 });
  await vi.waitFor(async () => {
    expect(await subscriberCount(clients[0] as Redis, `${prefix}${TOPICS.credentialRevoked}`)).toBe(2);
  }, PATIENCE);
});

afterAll(async () => {
  here.close();
  there.close();
  await Promise.all(pubsubs.map((pubsub) => pubsub.drained(2_000)));
  await Promise.all(clients.map((client) => client.quit()));
});

function principal(id: string, expiresAt: Date | null = null): Principal {
  return { id, name: id, role: "VIEWER", via: expiresAt === null ? "api-token" : "oidc", expiresAt };
}

/** A connection that records how it was ended. */
function connection() {
  const endings: LiveEnding[] = [];
  return { endings, end: (ending: LiveEnding) => endings.push(ending), recheck: async () => null };
}

describe("live credentials", () => {
  it("ends a credential's connections on the other process when it is revoked, and no one else's", async () => {
    const revoked = connection();
    const kept = connection();
    there.hold(principal("token-a"), revoked);
    there.hold(principal("token-b"), kept);
    await here.revoke({ credentialId: "token-a", cause: "revoked" });
    await vi.waitFor(
      () => expect(revoked.endings.map((ending) => ending.cause)).toEqual(["revoked"]),
      PATIENCE,
    );
    expect(kept.endings).toEqual([]);
    expect(there.heldBy("token-a")).toBe(0);
    expect(there.heldBy("token-b")).toBe(1);
  });

  it("ignores what on the revocation channel is no revocation, and says so", async () => {
    const held = connection();
    there.hold(principal("token-c"), held);
    const publisher = redis();
    for (const garbage of [
      "not json",
      '{"credentialId":42,"cause":"revoked"}',
      '{"credentialId":"token-c"}',
    ]) {
      await publisher.publish(`${prefix}${TOPICS.credentialRevoked}`, garbage);
    }
    // A real revocation after the garbage shows the garbage has been read.
    const marker = connection();
    there.hold(principal("marker"), marker);
    await here.revoke({ credentialId: "marker", cause: "revoked" });
    await vi.waitFor(() => expect(marker.endings).toHaveLength(1), PATIENCE);
    expect(held.endings).toEqual([]);
    // The two that are JSON, by each process (the one that is not JSON is refused before, by the channel).
    expect(log.lines.filter((line) => line.msg === "ignored a malformed credential revocation")).toHaveLength(
      4,
    );
  });

  it("holds at most the limit per credential, and frees a place on release (once, however often released)", () => {
    const first = here.hold(principal("token-d"), connection());
    const second = here.hold(principal("token-d"), connection());
    expect(here.hold(principal("token-d"), connection())).toBeNull();
    first?.release();
    first?.release();
    expect(here.heldBy("token-d")).toBe(1);
    expect(here.hold(principal("token-d"), connection())).not.toBeNull();
    second?.release();
  });

  it("ends a connection when its credential expires, and forgets it", async () => {
    const expiring = connection();
    here.hold(principal("oidc:soon", new Date(Date.now() + 100)), expiring);
    await vi.waitFor(
      () => expect(expiring.endings.map((ending) => ending.cause)).toEqual(["expired"]),
      PATIENCE,
    );
    expect(expiring.endings[0]?.message).toMatch(/^credential expired at /);
    expect(here.heldBy("oidc:soon")).toBe(0);
  });
});
