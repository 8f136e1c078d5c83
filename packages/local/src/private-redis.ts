import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";

/** A Redis the all-in-one process found or started; `stop()` ends only one it started itself. */
export interface LocalRedis {
  readonly url: string;
  readonly startedHere: boolean;
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Error {}

/**
 * Makes sure a Redis answers at `url`. When none does and `redis-server` is on
 * the PATH, starts a private one on that address (no persistence, files under
 * `dataDir`); otherwise throws an error whose message is one line saying how
 * to get Redis.
 */
export async function ensureRedis(url: string, dataDir: string): Promise<LocalRedis> {
  const { hostname, port } = redisAddress(url);
  if (await answersPing(hostname, port)) {
    return { url, startedHere: false, stop: async () => {} };
  }
  if (!isLoopback(hostname)) {
    throw new RedisUnavailableError(`no Redis answers at ${url}; start it or set REDIS_URL to one that runs`);
  }
  const dir = join(dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  let child: ChildProcess;
  try {
    child = await spawnRedis(hostname, port, dir);
  } catch {
    throw new RedisUnavailableError(
      `no Redis answers at ${url} and no redis-server is installed: install one (apt-get install redis-server, brew install redis) or set REDIS_URL`,
    );
  }
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (await answersPing(hostname, port)) {
      return { url, startedHere: true, stop: () => stopChild(child) };
    }
    if (child.exitCode !== null) {
      break;
    }
    await delay(50);
  }
  await stopChild(child);
  throw new RedisUnavailableError(
    `started redis-server for ${url}, but it did not answer; see ${dir}/redis.log`,
  );
}

function redisAddress(url: string): { hostname: string; port: number } {
  const parsed = new URL(url);
  const hostname = parsed.hostname === "" || parsed.hostname === "localhost" ? "127.0.0.1" : parsed.hostname;
  return { hostname, port: parsed.port === "" ? 6379 : Number(parsed.port) };
}

function isLoopback(hostname: string): boolean {
  return hostname.startsWith("127.") || hostname === "::1" || hostname === "[::1]";
}

function spawnRedis(hostname: string, port: number, dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "redis-server",
      [
        "--bind",
        hostname,
        "--port",
        String(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--logfile",
        "redis.log",
      ],
      { stdio: "ignore" },
    );
    child.once("spawn", () => resolve(child));
    child.once("error", reject);
  });
}

function answersPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
