import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "@cml-fleet/platform/testing/free-port";
import { Redis } from "ioredis";

export interface PrivateRedis {
  readonly url: string;
  /** SIGKILL: no persistence, so its data is gone with it. */
  kill(): Promise<void>;
  /** A new, empty redis-server on the same port (after {@link kill}). */
  startEmpty(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free port, without persistence, for
 * tests that kill, flush or restart Redis (never the shared one).
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    const started = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    child = started;
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => {});
    try {
      for (let tries = 0; ; tries += 1) {
        try {
          await probe.connect();
          await probe.ping();
          return;
        } catch (error) {
          if (tries > 100 || started.exitCode !== null) {
            throw new Error(`redis-server on ${port} did not answer: ${String(error)}`);
          }
          probe.disconnect();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } finally {
      probe.disconnect();
    }
  };
  const kill = async () => {
    const running = child;
    child = null;
    if (running === null || running.exitCode !== null || running.signalCode !== null) {
      return;
    }
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill("SIGKILL");
    });
  };
  await start();
  return { url, kill, startEmpty: start, close: kill };
}
