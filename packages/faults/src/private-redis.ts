import { createConnection } from "node:net";
import { freePort } from "@cml-fleet/platform/testing/free-port";
import { type RunningChild, spawnChild, tailOf } from "./child-process";
import { waitUntil } from "./wait";

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** SIGKILL: the data is gone with it (no persistence). */
  kill(): Promise<void>;
  /** A new, empty redis-server on the same port (after {@link kill}). */
  startEmpty(): Promise<void>;
  /** Whatever redis-server wrote, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

/** A redis-server of the suite's own on a free port, without persistence: killed, it comes back empty. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: RunningChild | null = null;
  const start = async () => {
    const started = spawnChild({
      label: "redis-server",
      command: "redis-server",
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      cwd: "/tmp",
      env: {},
    });
    child = started;
    await waitUntil(
      `redis-server to answer PING on ${port}`,
      async () => {
        const pong = await ping(port);
        return { done: pong, seen: pong ? "PONG" : "no answer" };
      },
      { timeoutMs: 20_000, intervalMs: 100, context: () => tailOf(started) },
    );
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async kill() {
      await child?.kill();
    },
    startEmpty: start,
    output: () => (child === null ? "" : tailOf(child)),
    async close() {
      await child?.kill();
    },
  };
}

/** Whether a Redis answers PING on the port (raw RESP, no client library needed). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}
