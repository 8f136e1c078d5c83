import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { RequestHandler } from "../http/sim-server";
import { readRequest, writeResponse } from "../http/sim-server";
import { type SimCertificate, simAlternateTlsMaterial, type TlsMaterial } from "./tls";

/** nginx's default `keepalive_timeout`. */
const CML_KEEP_ALIVE_TIMEOUT_MS = 75_000;

interface Listener {
  /** Whether the listener should be open; the chain converges on the latest wish. */
  wanted: boolean;
  server: NetServer | null;
  handler: RequestHandler;
  /** The certificate new connections get; changing it cuts the open ones, as a different machine would. */
  certificate: SimCertificate;
  readonly sockets: Set<Socket>;
  chain: Promise<void>;
}

/**
 * A TCP listener per instance on its own loopback address, all feeding one
 * HTTPS server (one TLS context: building one per instance costs ~5 ms, too
 * much for 10,000). Opening and closing are serialized per address, so a quick
 * stop/start never leaves a listener half-open; a closed address refuses
 * connections like a stopped VM, and its open connections are cut.
 */
export class CmlListeners {
  private readonly listeners = new Map<string, Listener>();
  private readonly https: HttpsServer;
  /** Serves the alternate certificate; made on first use (most runs never swap). */
  private alternate: HttpsServer | null = null;
  private closed = false;

  constructor(
    private readonly deps: {
      readonly port: number;
      readonly tls: TlsMaterial;
      /** The second certificate; the committed alternate test certificate when omitted. */
      readonly alternateTls?: TlsMaterial | undefined;
      readonly onError: (error: unknown) => void;
      /** Told of every connection a simulated CML accepts (the stats' `cmlConnections`). */
      readonly onConnection?: (() => void) | undefined;
      /** Told of every TLS handshake that resumed an earlier session (the stats' `cmlResumedSessions`). */
      readonly onSessionResumed?: (() => void) | undefined;
    },
  ) {
    this.https = this.createServer(deps.tls);
  }

  private createServer(tls: TlsMaterial): HttpsServer {
    const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const handler = this.listeners.get(req.socket.localAddress ?? "")?.handler;
      if (!handler) {
        res.destroy();
        return;
      }
      readRequest(req)
        .then((request) => handler(request))
        .then((response) => writeResponse(res, response))
        .catch((error: unknown) => {
          this.deps.onError(error);
          if (!res.headersSent) {
            writeResponse(res, { status: 500, body: "internal error" });
          }
        });
    });
    // A client giving up mid-handshake is normal (probes, refused certificates), not a simulator error.
    server.on("tlsClientError", () => undefined);
    server.on("secureConnection", (socket: TLSSocket) => {
      if (socket.isSessionReused()) {
        this.deps.onSessionResumed?.();
      }
    });
    // Idle connections stay open as long as nginx's default keeps them (real CML answers behind nginx), not
    // Node's 5 s: a client that keeps its connections between telemetry sweeps can then be seen doing so.
    server.keepAliveTimeout = CML_KEEP_ALIVE_TIMEOUT_MS;
    return server;
  }

  private serverFor(certificate: SimCertificate): HttpsServer {
    if (certificate === "default") {
      return this.https;
    }
    this.alternate ??= this.createServer(this.deps.alternateTls ?? simAlternateTlsMaterial());
    return this.alternate;
  }

  /** Opens (`wanted`) or closes the listener on `ip`, serving `handler` with `certificate`. */
  set(
    ip: string,
    requested: boolean,
    handler: RequestHandler,
    certificate: SimCertificate = "default",
  ): Promise<void> {
    const wanted = requested && !this.closed;
    let listener = this.listeners.get(ip);
    if (!listener) {
      if (!wanted) {
        return Promise.resolve();
      }
      listener = { wanted, server: null, handler, certificate, sockets: new Set(), chain: Promise.resolve() };
      this.listeners.set(ip, listener);
    }
    const current = listener;
    current.wanted = wanted;
    current.handler = handler;
    if (current.certificate !== certificate) {
      current.certificate = certificate;
      // Kept-alive connections were made with the old certificate: the next request must see the new one.
      for (const socket of current.sockets) {
        socket.destroy();
      }
    }
    current.chain = current.chain
      .then(() => this.converge(ip, current))
      .catch((error: unknown) => this.deps.onError(error));
    return current.chain;
  }

  isOpen(ip: string): boolean {
    return (this.listeners.get(ip)?.server ?? null) !== null;
  }

  /** Closes every listener; none opens afterwards. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.listeners].map(([ip, listener]) => this.set(ip, false, listener.handler)));
    this.https.close();
    this.alternate?.close();
  }

  private async converge(ip: string, listener: Listener): Promise<void> {
    if (listener.wanted && !listener.server) {
      const server = createNetServer((socket) => {
        listener.sockets.add(socket);
        this.deps.onConnection?.();
        socket.once("close", () => listener.sockets.delete(socket));
        this.serverFor(listener.certificate).emit("connection", socket);
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.deps.port, ip, () => {
          server.off("error", reject);
          resolve();
        });
      });
      listener.server = server;
    } else if (!listener.wanted && listener.server) {
      const server = listener.server;
      listener.server = null;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of listener.sockets) {
        socket.destroy();
      }
      await closed;
    }
    if (!listener.wanted && !listener.server && this.listeners.get(ip) === listener) {
      this.listeners.delete(ip);
    }
  }
}
