import { UpstreamUnavailableError } from "@cml-fleet/core/errors";
import type { Redis } from "ioredis";

/** How long a connection still being set up may take before a request gives up on it. */
export const REDIS_CONNECT_GRACE_MS = 2_000;

const UNAVAILABLE_MESSAGE = "Redis does not answer; try again shortly";
/** What ioredis and BullMQ say when the connection is gone (no offline queue, or retries used up). */
const CONNECTION_LOST = /Stream isn't writeable|Connection is closed|ECONNREFUSED|max retries per request/i;

/**
 * BullMQ would wait for Redis indefinitely, and an API request must not: a
 * connection still being set up gets a short grace, a broken one none.
 */
export async function whenRedisReady(connection: Redis, graceMs = REDIS_CONNECT_GRACE_MS): Promise<void> {
  if (connection.status === "ready") {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      connection.off("ready", onReady);
      reject(new UpstreamUnavailableError("queue", UNAVAILABLE_MESSAGE));
    }, graceMs);
    connection.once("ready", onReady);
  });
}

/**
 * Runs `work` once Redis is ready (see {@link whenRedisReady}), and answers a
 * connection lost on the way as UPSTREAM_UNAVAILABLE rather than an internal error.
 */
export async function withRedisAvailable<T>(
  connection: Redis,
  graceMs: number | undefined,
  work: () => Promise<T>,
): Promise<T> {
  await whenRedisReady(connection, graceMs);
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error && CONNECTION_LOST.test(error.message)) {
      throw new UpstreamUnavailableError("queue", UNAVAILABLE_MESSAGE, { cause: error });
    }
    throw error;
  }
}
