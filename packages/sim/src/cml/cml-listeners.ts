import { createServer, type Server } from "node:https";
import type { RequestHandler } from "../http/sim-server";
import { closeServer, listen, readRequest, writeResponse } from "../http/sim-server";
import type { TlsMaterial } from "./tls";

interface Listener {
  /** Whether the listener should be open; the chain converges on the latest wish. */
  wanted: boolean;
  server: Server | null;
  chain: Promise<void>;
}

/**
 * One HTTPS server per instance on its own loopback address. Opening and
 * closing are serialized per address, so a quick stop/start never leaves a
 * listener half-open; a closed address refuses connections like a stopped VM.
 */
export class CmlListeners {
  private readonly listeners = new Map<string, Listener>();
  private closed = false;

  constructor(
    private readonly deps: {
      readonly port: number;
      readonly tls: TlsMaterial;
      readonly onError: (error: unknown) => void;
    },
  ) {}

  /** Opens (`wanted`) or closes the listener on `ip`, serving `handler`. */
  set(ip: string, requested: boolean, handler: RequestHandler): Promise<void> {
    const wanted = requested && !this.closed;
    let listener = this.listeners.get(ip);
    if (!listener) {
      if (!wanted) {
        return Promise.resolve();
      }
      listener = { wanted, server: null, chain: Promise.resolve() };
      this.listeners.set(ip, listener);
    }
    const current = listener;
    current.wanted = wanted;
    current.chain = current.chain
      .then(() => this.converge(ip, current, handler))
      .catch((error: unknown) => this.deps.onError(error));
    return current.chain;
  }

  isOpen(ip: string): boolean {
    return (this.listeners.get(ip)?.server ?? null) !== null;
  }

  /** Resolves once every pending open/close has settled. */
  async settled(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((listener) => listener.chain));
  }

  /** Closes every listener; none opens afterwards. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.listeners.keys()].map((ip) => this.set(ip, false, () => ({ status: 503 }))));
  }

  private async converge(ip: string, listener: Listener, handler: RequestHandler): Promise<void> {
    if (listener.wanted && !listener.server) {
      const server = createServer({ key: this.deps.tls.key, cert: this.deps.tls.cert }, (req, res) => {
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
      await listen(server, this.deps.port, ip);
      listener.server = server;
    } else if (!listener.wanted && listener.server) {
      const server = listener.server;
      listener.server = null;
      await closeServer(server);
    }
    if (!listener.wanted && !listener.server && this.listeners.get(ip) === listener) {
      this.listeners.delete(ip);
    }
  }
}
