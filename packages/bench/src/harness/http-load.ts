import { Agent, request } from "node:http";
import { percentile } from "./stats";

export interface LoadOptions {
  /** e.g. http://127.0.0.1:4000/graphql */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A request body per request number (lets requests vary, e.g. different ids). */
  readonly body: (index: number) => string;
  readonly concurrency: number;
  /** The loop stops at whichever comes first: this much time, or `maxRequests` sent. */
  readonly durationMs: number;
  readonly maxRequests: number;
  /** Requests before the measured window (not counted), to warm the JIT, pools and caches... */
  readonly warmupRequests: number;
  /** ...but no longer than this. */
  readonly warmupMs?: number;
  readonly requestTimeoutMs?: number;
  /** Whether an answer counts as a success (default: HTTP 200 without a GraphQL `errors` member). */
  readonly accept?: (status: number, body: string) => boolean;
}

export interface LoadResult {
  /** Answered or failed within the measured window (a request still open at the deadline is awaited). */
  readonly requests: number;
  readonly failures: number;
  readonly elapsedMs: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly firstFailure: string | null;
}

const graphqlOk = (status: number, body: string) => status === 200 && !body.includes('"errors"');

function send(
  agent: Agent,
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...headers,
        },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * A closed-loop load: `concurrency` keep-alive connections, each sending its
 * next request as soon as the previous one is answered. Bounded by time and
 * by count, so it always stops by itself.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const headers = options.headers ?? {};
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const accept = options.accept ?? graphqlOk;
  try {
    let warm = 0;
    const warmUntil = performance.now() + (options.warmupMs ?? 2_000);
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (warm < options.warmupRequests && performance.now() < warmUntil) {
          await send(agent, url, headers, options.body(warm++), timeoutMs).catch(() => undefined);
        }
      }),
    );
    const latencies: number[] = [];
    let issued = 0;
    let successes = 0;
    let failures = 0;
    let firstFailure: string | null = null;
    const started = performance.now();
    const deadline = started + options.durationMs;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (issued < options.maxRequests && performance.now() < deadline) {
          const index = issued++;
          const sent = performance.now();
          try {
            const answer = await send(agent, url, headers, options.body(index), timeoutMs);
            latencies.push(performance.now() - sent);
            if (accept(answer.status, answer.body)) {
              successes++;
            } else {
              failures++;
              firstFailure ??= `HTTP ${answer.status}: ${answer.body.slice(0, 200)}`;
            }
          } catch (error) {
            failures++;
            firstFailure ??= error instanceof Error ? error.message : String(error);
          }
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    return {
      requests: successes + failures,
      failures,
      elapsedMs,
      requestsPerSecond: (successes / elapsedMs) * 1000,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      firstFailure,
    };
  } finally {
    agent.destroy();
  }
}
