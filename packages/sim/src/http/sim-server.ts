import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import type { HttpRequest, HttpResponse } from "./http-types";

export type RequestHandler = (request: HttpRequest) => Promise<HttpResponse> | HttpResponse;

/** Largest body accepted; a RunInstances or GetMetricData call of the fleet stays far below. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function readRequest(message: IncomingMessage): Promise<HttpRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of message) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new RangeError("request body too large");
    }
    chunks.push(buffer);
  }
  const url = new URL(message.url ?? "/", "http://sim.local");
  return {
    method: message.method ?? "GET",
    path: url.pathname,
    query: url.searchParams,
    headers: message.headers,
    body: decode(Buffer.concat(chunks), message.headers["content-encoding"]).toString("utf8"),
  };
}

/** The SDK gzips large request bodies (CloudWatch PutMetricData has request compression). */
function decode(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === undefined || encoding === "" || encoding === "identity") {
    return body;
  }
  if (encoding === "gzip") {
    return gunzipSync(body, { maxOutputLength: MAX_BODY_BYTES });
  }
  throw new RangeError(`unsupported content-encoding '${encoding}'`);
}

export function writeResponse(res: ServerResponse, response: HttpResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/** Serves `handler`; an exception becomes a 500 with its message, never a crashed simulator. */
export function serve(handler: RequestHandler, onError: (error: unknown) => void): Server {
  return createServer((req, res) => {
    readRequest(req)
      .then((request) => handler(request))
      .then((response) => writeResponse(res, response))
      .catch((error: unknown) => {
        onError(error);
        if (!res.headersSent) {
          writeResponse(res, {
            status: 500,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ error: error instanceof Error ? error.message : String(error) }),
          });
        } else {
          res.destroy();
        }
      });
  });
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
