import { createServer, type Server, type Socket } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database";
import { databaseUnavailableError, isDatabaseUnavailable } from "../../src/repositories/database-errors";
import { startPrivatePostgres } from "../../src/testing/private-postgres";
import { useTestDatabase } from "../support/use-test-database";

/** The error a real statement fails with (drizzle's wrapping included). */
async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected the statement to fail");
}

/** A TCP server that accepts and never answers: a database that hangs. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("no port");
  }
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

describe("isDatabaseUnavailable", () => {
  const testDb = useTestDatabase("database-unavailable");
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) {
      await close();
    }
  });

  it("is true for a refused connection, and the error says so in words a person can act on", async () => {
    const silent = await silentServer();
    const port = silent.port;
    await silent.close();
    const database = await openDatabase({ url: `postgres://postgres@127.0.0.1:${port}/postgres` });
    closers.push(() => database.close());
    const error = await failureOf(() => database.ping());
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(databaseUnavailableError(error)).toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      message: expect.stringMatching(/^database: the database is unavailable .*try again once it is back/),
    });
  });

  it("is true for a server that never answers, once the connect timeout has passed (no hang)", async () => {
    const silent = await silentServer();
    closers.push(() => silent.close());
    const database = await openDatabase({
      url: `postgres://postgres@127.0.0.1:${silent.port}/postgres`,
      connectTimeoutMs: 300,
    });
    closers.push(() => database.close());
    expect(isDatabaseUnavailable(await failureOf(() => database.ping()))).toBe(true);
  });

  it("is true for a connection the server ends by shutting down", async () => {
    const postgres = await startPrivatePostgres();
    closers.push(() => postgres.cleanup());
    const database = await openDatabase({ url: postgres.url, poolSize: 1 });
    closers.push(() => database.close());
    await database.ping();
    const sleeping = failureOf(() => database.db.execute(sql`select pg_sleep(30)`));
    await postgres.stop();
    expect(isDatabaseUnavailable(await sleeping)).toBe(true);
    expect(isDatabaseUnavailable(await failureOf(() => database.ping()))).toBe(true);
    await postgres.start();
    await database.ping();
  });

  it("is false for a statement the database refuses (a syntax error, a unique violation)", async () => {
    const { db } = testDb;
    expect(isDatabaseUnavailable(await failureOf(() => db.execute(sql`selec 1`)))).toBe(false);
    await db.execute(sql`create table unavailable_probe (id int primary key)`);
    await db.execute(sql`insert into unavailable_probe values (1)`);
    expect(
      isDatabaseUnavailable(await failureOf(() => db.execute(sql`insert into unavailable_probe values (1)`))),
    ).toBe(false);
    expect(isDatabaseUnavailable(new Error("boom"))).toBe(false);
    expect(isDatabaseUnavailable("ECONNREFUSED")).toBe(false);
  });
});
