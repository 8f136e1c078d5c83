import http from "node:http";
import net from "node:net";
import type { FuzzAnswer } from "./response-contract";

/** A request exactly as the fuzz wants it on the wire, not as fetch would tidy it. */
export interface RawRequest {
  readonly method: string;
  /** Path and query, e.g. `/graphql?query=...`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | null;
  /** Send only this many bytes of the body, then close the connection (a client that went away). */
  readonly truncateAt?: number;
}

/** How long one answer may take before the fuzz calls the server hung; generous, it is only a bound. */
const ANSWER_BOUND_MS = 30_000;

/** Sends one request over a fresh connection and reads the whole answer. */
export function sendRaw(origin: string, request: RawRequest): Promise<FuzzAnswer> {
  if (request.truncateAt !== undefined) {
    return sendTruncated(origin, request, request.truncateAt);
  }
  return new Promise<FuzzAnswer>((resolve) => {
    const req = http.request(`${origin}${request.path}`, {
      method: request.method,
      headers: request.headers,
      agent: false,
      signal: AbortSignal.timeout(ANSWER_BOUND_MS),
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", (error) =>
        resolve({ status: res.statusCode ?? 0, body: null, dropped: error.message }),
      );
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks)) }));
    });
    req.on("error", (error) => resolve({ status: 0, body: null, dropped: error.message }));
    req.end(request.body ?? undefined);
  });
}

/** Writes the head and part of the body, then closes: the server must just let go. */
function sendTruncated(origin: string, request: RawRequest, truncateAt: number): Promise<FuzzAnswer> {
  const url = new URL(origin);
  return new Promise<FuzzAnswer>((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname, () => {
      const body = request.body ?? Buffer.alloc(0);
      const head = [
        `${request.method} ${request.path} HTTP/1.1`,
        `host: ${url.host}`,
        `content-length: ${body.length}`,
        ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`),
        "",
        "",
      ].join("\r\n");
      socket.end(Buffer.concat([Buffer.from(head), body.subarray(0, truncateAt)]));
    });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.setTimeout(ANSWER_BOUND_MS, () => socket.destroy());
    socket.on("error", () => undefined);
    socket.on("close", () => {
      // Whatever the server said before closing (often nothing: it was still waiting for the body).
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const body = text.includes("\r\n\r\n")
        ? parseJson(Buffer.from(text.slice(text.indexOf("\r\n\r\n") + 4)))
        : null;
      resolve({ status, body });
    });
  });
}

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) {
    return null;
  }
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return null;
  }
}

/** GET /healthz answers 200: the process is alive and serving. */
export async function isHealthy(origin: string): Promise<boolean> {
  const answer = await sendRaw(origin, { method: "GET", path: "/healthz", headers: {}, body: null });
  return answer.status === 200;
}
