import https from "node:https";
import type { Duplex } from "node:stream";

/**
 * An HTTPS agent that keeps at most `maxIdle` unused connections over all
 * hosts together. Node's agent bounds idle connections per host only, and an
 * idle TLS connection holds about 100 KB of the process (OpenSSL's state and
 * buffers, measured on Node 24): kept for every worker of a large fleet they
 * would outweigh everything else the process holds. Past the bound, a freed
 * connection is closed instead of kept, and that worker's next request makes
 * a new one (a handshake, checked like every new connection).
 */
export class BoundedIdleAgent extends https.Agent {
  private idle = 0;
  /** The connections counted in `idle` now, so each leaves the count exactly once. */
  private readonly counted = new WeakSet<Duplex>();
  /** Connections already listened to for their close. */
  private readonly watched = new WeakSet<Duplex>();

  constructor(
    options: https.AgentOptions,
    private readonly maxIdle: number,
  ) {
    super(options);
  }

  /** The unused connections kept now, all hosts together. */
  get idleConnections(): number {
    return this.idle;
  }

  // Node reads the answer (false: the connection is destroyed, not kept), though its typings say void.
  override keepSocketAlive(socket: Duplex): boolean {
    if (this.idle >= this.maxIdle) {
      return false;
    }
    const kept: unknown = super.keepSocketAlive(socket);
    if (kept === false) {
      return false;
    }
    this.counted.add(socket);
    this.idle += 1;
    if (!this.watched.has(socket)) {
      this.watched.add(socket);
      socket.once("close", () => this.uncount(socket));
    }
    return true;
  }

  override reuseSocket(socket: Duplex, request: Parameters<https.Agent["reuseSocket"]>[1]): void {
    this.uncount(socket);
    super.reuseSocket(socket, request);
  }

  private uncount(socket: Duplex): void {
    if (this.counted.delete(socket)) {
      this.idle -= 1;
    }
  }
}
