import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

/** The CML endpoints the adapter calls, by method and path with ids replaced. */
export const CML_ROUTES = [
  "POST /auth_extended",
  "GET /system_information",
  "GET /system_health",
  "GET /system_stats",
  "GET /licensing",
  "POST /licensing/registration",
  "DELETE /licensing/deregistration",
  "GET /labs",
  "GET /labs/{id}",
  "PUT /labs/{id}/stop",
  "GET /telemetry/events",
] as const;
export type CmlRoute = (typeof CML_ROUTES)[number];

/** One answer: what status, headers and bytes, and whether it is sent whole, cut off, or never. */
export interface ScriptedAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Buffer;
  readonly delivery: "whole" | "cut" | "silent";
}

export type CmlScript = Readonly<Record<CmlRoute, ScriptedAnswer>>;

export function routeOf(method: string, url: string): CmlRoute | null {
  const path = (url.split("?")[0] ?? "").replace(/^\/api\/v0/, "");
  const generic = path.replace(/^\/labs\/[^/]+(\/stop)?$/, (_match, stop: string | undefined) =>
    stop === undefined ? "/labs/{id}" : "/labs/{id}/stop",
  );
  const route = `${method} ${generic}`;
  return (CML_ROUTES as readonly string[]).includes(route) ? (route as CmlRoute) : null;
}

/**
 * A CML stand-in that answers each request from the current script: the
 * fuzz sets a script per run and the adapter meets it over real HTTP and
 * HTTPS (with the simulator's self-signed test certificate).
 */
export interface ScriptedCmlServer {
  readonly httpUrl: string;
  readonly httpsUrl: string;
  play(script: CmlScript): void;
  close(): Promise<void>;
}

const CERTS = new URL("../../../sim/certs/", import.meta.url);

export async function startScriptedCmlServer(): Promise<ScriptedCmlServer> {
  let script: CmlScript | null = null;
  const handler = (request: http.IncomingMessage, response: http.ServerResponse) => {
    // Read (and drop) the request body first, as a real server would.
    request.resume();
    request.on("end", () => {
      const route = routeOf(request.method ?? "GET", request.url ?? "/");
      const answer = route === null || script === null ? null : script[route];
      if (answer === null) {
        response.writeHead(404, { "content-type": "application/json" });
        response.end('{"code": 404, "description": "no such route"}');
        return;
      }
      if (answer.delivery === "silent") {
        return; // The adapter's own timeout must end the wait.
      }
      const headers: Record<string, string> =
        answer.contentType === null ? {} : { "content-type": answer.contentType };
      if (answer.delivery === "cut") {
        headers["content-length"] = String(answer.body.length + 10);
        response.writeHead(answer.status, headers);
        response.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
        response.destroy();
        return;
      }
      response.writeHead(answer.status, headers);
      response.end(answer.body);
    });
  };
  const plain = http.createServer(handler);
  const secure = https.createServer(
    {
      cert: readFileSync(new URL("cml-test-cert.pem", CERTS)),
      key: readFileSync(new URL("cml-test-key.pem", CERTS)),
    },
    handler,
  );
  const listen = (server: http.Server | https.Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
    );
  const [httpPort, httpsPort] = await Promise.all([listen(plain), listen(secure)]);
  return {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    httpsUrl: `https://127.0.0.1:${httpsPort}`,
    play(next) {
      script = next;
    },
    async close() {
      for (const server of [plain, secure]) {
        server.closeAllConnections();
      }
      await Promise.all(
        [plain, secure].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
    },
  };
}
