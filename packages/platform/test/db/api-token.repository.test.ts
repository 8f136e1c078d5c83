import { NotFoundError } from "@cml-fleet/core/errors";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { apiTokens } from "../../src/db/schema/tokens";
import {
  type ApiTokenRepository,
  createApiTokenRepository,
  hashTokenSecret,
} from "../../src/repositories/api-token.repository";
import { useTestDatabase } from "../support/use-test-database";

const testDb = useTestDatabase("api_tokens");
let tokens: ApiTokenRepository;
const t0 = new Date("2026-01-01T12:00:00.000Z");
const minutes = (n: number) => new Date(t0.getTime() + n * 60_000);

beforeAll(() => {
  tokens = createApiTokenRepository(testDb.db);
});
beforeEach(async () => {
  await testDb.db.delete(apiTokens);
});

describe("api token repository", () => {
  it("stores only the hash and finds the token by it until it is revoked", async () => {
    const hash = hashTokenSecret("s3cret-value");
    const created = await tokens.create({ name: "ci", role: "OPERATOR", tokenHash: hash, createdAt: t0 });
    expect(created).toMatchObject({ name: "ci", role: "OPERATOR", lastUsedAt: null, revokedAt: null });

    const [stored] = await testDb.db.select().from(apiTokens);
    expect(stored?.tokenHash).toBe(hash);
    expect(JSON.stringify(stored)).not.toContain("s3cret-value");

    expect(await tokens.findActiveByHash(hash)).toEqual(created);
    const revoked = await tokens.revoke(created.id, minutes(5));
    expect(revoked.revokedAt).toEqual(minutes(5));
    expect(await tokens.findActiveByHash(hash)).toBeNull();
    // Revoking again keeps the first instant.
    expect((await tokens.revoke(created.id, minutes(9))).revokedAt).toEqual(minutes(5));
  });

  it("hashes secrets with SHA-256 in hex", () => {
    expect(hashTokenSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("refuses to revoke a token it does not know", async () => {
    await expect(tokens.revoke("00000000-0000-4000-8000-000000000000", t0)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("records a use at most once a minute", async () => {
    const { id } = await tokens.create({
      name: "tui",
      role: "VIEWER",
      tokenHash: hashTokenSecret("tui"),
      createdAt: t0,
    });
    await tokens.touchLastUsed(id, minutes(0));
    await tokens.touchLastUsed(id, minutes(0.5));
    expect((await tokens.list())[0]?.lastUsedAt).toEqual(minutes(0));
    await tokens.touchLastUsed(id, minutes(2));
    expect((await tokens.list())[0]?.lastUsedAt).toEqual(minutes(2));
  });

  it("lists every token, revoked ones included, oldest first", async () => {
    const first = await tokens.create({
      name: "one",
      role: "VIEWER",
      tokenHash: hashTokenSecret("1"),
      createdAt: minutes(1),
    });
    const second = await tokens.create({
      name: "two",
      role: "ADMIN",
      tokenHash: hashTokenSecret("2"),
      createdAt: minutes(0),
    });
    await tokens.revoke(first.id, t0);
    expect((await tokens.list()).map((token) => token.name)).toEqual([second.name, first.name]);
  });

  it("makes the bootstrap secret an active admin, keeping it revoked once revoked and retiring a previous secret", async () => {
    const firstHash = hashTokenSecret("boot-1");
    const { token: first } = await tokens.upsertBootstrap(firstHash, "bootstrap-admin", t0);
    expect(first).toMatchObject({ role: "ADMIN", revokedAt: null, name: "bootstrap-admin" });

    await tokens.revoke(first.id, minutes(1));
    const again = await tokens.upsertBootstrap(firstHash, "bootstrap-admin", minutes(2));
    expect(again.token.id).toBe(first.id);
    expect(again.token.revokedAt).toEqual(minutes(1));
    expect(await tokens.findActiveByHash(firstHash)).toBeNull();

    const second = await tokens.upsertBootstrap(hashTokenSecret("boot-2"), "bootstrap-admin", minutes(3));
    const rotated = await tokens.upsertBootstrap(hashTokenSecret("boot-3"), "bootstrap-admin", minutes(4));
    expect(rotated.token.id).not.toBe(second.token.id);
    expect(rotated.retired).toEqual([second.token.id]);
    expect(await tokens.findActiveByHash(hashTokenSecret("boot-2"))).toBeNull();
    expect(await tokens.findActiveByHash(hashTokenSecret("boot-3"))).toEqual(rotated.token);
  });

  it("keeps one row when several processes upsert the bootstrap token at once", async () => {
    const hash = hashTokenSecret("boot");
    await Promise.all([1, 2, 3, 4].map(() => tokens.upsertBootstrap(hash, "bootstrap-admin", t0)));
    expect(await tokens.list()).toHaveLength(1);
  });
});
