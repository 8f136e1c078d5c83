import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import { createSecureContext } from "node:tls";
import { CmlError } from "../../errors";
import type { CmlCertificatePins } from "../../ports/cml-client.port";
import { type CertificateExpectation, createPinningAgent } from "./cml-certificate-pinning";
import { type CmlTlsOptions, DEFAULT_CML_TLS_SESSIONS } from "./cml-client-options";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface CmlHttpRequest {
  readonly baseUrl: string;
  readonly method: HttpMethod;
  /** Path under the API root, e.g. `/system_information`. */
  readonly path: string;
  readonly token?: string | undefined;
  readonly json?: unknown;
  /** The worker's certificate pin to hold an HTTPS connection to (see cml-certificate-pinning.ts). */
  readonly certificate?: CertificateExpectation | undefined;
  /** Abandons the request (waiting or sent) when it aborts: the caller's deadline for a whole look at a worker. */
  readonly signal?: AbortSignal | undefined;
  /** Requests to the worker wait on this answer (a login): its connection is kept for them, as for ones queued. */
  readonly followedUp?: boolean | undefined;
}

export interface CmlHttpResponse {
  readonly status: number;
  /** Parsed JSON, the raw text when it is not JSON, or null when empty. */
  readonly body: unknown;
  /** The SHA-256 fingerprint of the certificate the answering connection presented (absent over plain HTTP). */
  readonly certificate?: string | null;
}

export interface CmlTransport {
  send(request: CmlHttpRequest): Promise<CmlHttpResponse>;
  /** Connections kept open but unused now, all workers together (absent: the transport keeps none). */
  idleConnections?(): number;
  /** Closes the keep-alive connections. */
  destroy(): void;
}

export const API_ROOT = "/api/v0";
/** The telemetry event list has no paging; cap what one answer may weigh. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

function errorCode(error: unknown): string | null {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return null;
}

function abandonedError(endpoint: string): CmlError {
  return new CmlError("timeout", endpoint, "given up (the caller's deadline passed)");
}

function networkError(endpoint: string, error: unknown): CmlError {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  // Refused, reset, unresolvable, a certificate problem, anything else below HTTP: the API cannot be talked to.
  return new CmlError("unreachable", endpoint, `${code ?? "connection failed"}: ${message}`, null, {
    cause: error,
  });
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) {
    return null;
  }
  if (contentType?.includes("json") === true || /^[[{"]/.test(text.trimStart())) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * HTTP(S) to CML controllers over dedicated keep-alive agents: the TLS choice
 * (a CA bundle, or no verification when the operator says so) never leaks into
 * Node's global agent and so never weakens any other HTTPS the process makes.
 * A request that names its worker's certificate pin gets a connection whose
 * certificate was checked against it before the request was written.
 *
 * The connections to a worker are kept between telemetry sweeps (a TLS
 * handshake costs the client about 2 ms of CPU: a thousand workers' worth
 * every sweep was most of a sweep), at most `connectionsPerWorker` of them,
 * each closed once idle for `idleTimeoutMs` (a little longer than a sweep
 * period, so a worker no sweep asks any more costs nothing for long), and at
 * most `maxIdleConnections` over all workers (memory bounded whatever the fleet).
 */
export function createCmlTransport(options: {
  readonly tls: CmlTlsOptions;
  readonly requestTimeoutMs: number;
  /** Where first-use pins are recorded; without it a request with no pin is sent unpinned. */
  readonly pins?: CmlCertificatePins | undefined;
  readonly connectionsPerWorker: number;
  readonly idleTimeoutMs: number;
  /** Most unused connections kept over all workers together (an idle TLS connection holds about 100 KB). */
  readonly maxIdleConnections: number;
  /** Most TLS sessions kept to resume (default DEFAULT_CML_TLS_SESSIONS). */
  readonly maxTlsSessions?: number | undefined;
  /** Whether a worker (by base URL) has requests waiting to be sent: its freed connection is kept for them. */
  readonly waitingFor?: ((baseUrl: string) => boolean) | undefined;
}): CmlTransport {
  // The worker each connection last served, and whether requests wait on that answer, so a freed connection can
  // be told whether its worker still needs it.
  const workerOf = new WeakMap<Duplex, { readonly baseUrl: string; readonly followedUp: boolean }>();
  const waitingFor = options.waitingFor;
  const pool = {
    keepAlive: true,
    maxSockets: options.connectionsPerWorker,
    // Every connection a worker needed is kept: one closed here would be a handshake again next sweep.
    maxFreeSockets: options.connectionsPerWorker,
    // On an idle (pooled) connection this closes it; on a busy one the request's own timeout decides.
    timeout: options.idleTimeoutMs,
  };
  const httpsAgent = createPinningAgent(
    {
      ...pool,
      rejectUnauthorized: options.tls.verify,
      // One TLS context for every connection: given only `ca`, Node builds a context (the CA store parsed
      // again) per connection, about as costly as the handshake itself, and names each pool after the bundle.
      secureContext: createSecureContext(
        options.tls.caBundle === undefined ? {} : { ca: options.tls.caBundle },
      ),
    },
    options.pins,
    options.maxIdleConnections,
    options.maxTlsSessions ?? DEFAULT_CML_TLS_SESSIONS,
    (socket) => {
      const owner = workerOf.get(socket);
      return owner !== undefined && (owner.followedUp || waitingFor?.(owner.baseUrl) === true);
    },
  );
  const httpAgent = new http.Agent(pool);

  function send(request: CmlHttpRequest): Promise<CmlHttpResponse> {
    const url = new URL(`${API_ROOT}${request.path}`, request.baseUrl);
    const payload = request.json === undefined ? undefined : JSON.stringify(request.json);
    const headers: Record<string, string> = { accept: "application/json" };
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(payload));
    }
    if (request.token !== undefined) {
      headers.authorization = `Bearer ${request.token}`;
    }
    const isHttps = url.protocol === "https:";
    const requestFn = isHttps ? https.request : http.request;
    const timeoutMs = options.requestTimeoutMs;

    // Why this side ended the request, when it did: the error a destroyed request reports is a reset, not this.
    let endedBy: CmlError | null = null;
    return new Promise<CmlHttpResponse>((resolve, reject) => {
      if (request.signal?.aborted === true) {
        reject(abandonedError(request.baseUrl));
        return;
      }
      const requestOptions: https.RequestOptions & { cmlCertificate?: CertificateExpectation } = {
        method: request.method,
        headers,
        agent: isHttps ? httpsAgent : httpAgent,
        // Read by the pinning agent: it keys its connection pools by it and checks new connections against it.
        ...(isHttps && request.certificate !== undefined ? { cmlCertificate: request.certificate } : {}),
      };
      const req = requestFn(url, requestOptions, (res) => {
        // Read now: once the answer is read, a kept-alive connection goes back to its pool.
        const certificate = isHttps ? httpsAgent.certificateOf(res.socket) : null;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            end(new CmlError("protocol", request.baseUrl, `answer larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            body: parseBody(text, res.headers["content-type"]),
            certificate,
          });
        });
        res.on("error", (error) => reject(error));
      });
      const end = (why: CmlError) => {
        endedBy ??= why;
        req.destroy(why);
      };
      // One timer and one listener a request, not AbortSignal.timeout and AbortSignal.any: a sweep sends
      // thousands of requests, and those signals were a measurable share of its CPU.
      const timer = setTimeout(
        () => end(new CmlError("timeout", request.baseUrl, `no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const abandon = () => end(abandonedError(request.baseUrl));
      request.signal?.addEventListener("abort", abandon, { once: true });
      req.once("close", () => {
        clearTimeout(timer);
        request.signal?.removeEventListener("abort", abandon);
      });
      if (waitingFor !== undefined) {
        req.once("socket", (socket) =>
          workerOf.set(socket, { baseUrl: request.baseUrl, followedUp: request.followedUp === true }),
        );
      }
      req.on("error", (error) => reject(error));
      req.end(payload);
    }).catch((error: unknown) => {
      throw endedBy ?? (error instanceof CmlError ? error : networkError(request.baseUrl, error));
    });
  }

  return {
    send,
    idleConnections: () =>
      httpsAgent.idleConnections +
      Object.values(httpAgent.freeSockets).reduce((sum, sockets) => sum + (sockets?.length ?? 0), 0),
    destroy() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}
