import https from "node:https";
import type { Duplex } from "node:stream";

/**
 * An HTTPS agent that keeps at most `maxIdle` unused connections over all
 * hosts together, as a stable set. Node's agent bounds idle connections per
 * host only, and an idle TLS connection holds about 100 KB of the process
 * (OpenSSL's state and buffers, measured on Node 24): kept for every worker of
 * a large fleet they would outweigh everything else the process holds.
 *
 * The first `maxIdle` connections to go idle are admitted and keep their place
 * for as long as they live (until their idle timeout or the server closes
 * them); past the bound, a freed connection is kept only while its worker has
 * more questions waiting (`wanted`), then closed. A sweep asks its workers in
 * about the same order every time: the connections it keeps must be the same
 * ones from sweep to sweep. Closing the longest idle to keep the newest (LRU)
 * closed every kept connection before its worker's turn came once the fleet
 * outgrew the bound (10,000 workers: 10,000 new connections a sweep, measured).
 * Closing a connection its worker still needs made a handshake per question.
 */
export class BoundedIdleAgent extends https.Agent {
  /** The idle connections now (admitted ones and those kept for their worker's next question). */
  private readonly idleSockets = new Set<Duplex>();
  /** The admitted connections, idle or busy: at most `maxIdle`, each keeping its place while it lives. */
  private readonly admitted = new Set<Duplex>();
  /** Connections already listened to for their close. */
  private readonly watched = new WeakSet<Duplex>();

  constructor(
    options: https.AgentOptions,
    private readonly maxIdle: number,
    /** Whether the connection's worker has requests waiting to be sent (they would take it). */
    private readonly wanted: (socket: Duplex) => boolean = () => false,
  ) {
    super(options);
  }

  /** The unused connections kept now, all hosts together. */
  get idleConnections(): number {
    return this.idleSockets.size;
  }

  // Node reads the answer (false: the connection is destroyed, not kept), though its typings say void.
  override keepSocketAlive(socket: Duplex): boolean {
    if (this.maxIdle < 1) {
      return false;
    }
    const kept: unknown = super.keepSocketAlive(socket);
    if (kept === false) {
      return false;
    }
    if (!this.admitted.has(socket)) {
      if (this.admitted.size < this.maxIdle) {
        this.admitted.add(socket);
      } else if (!this.wanted(socket)) {
        return false;
      }
    }
    this.idleSockets.add(socket);
    if (!this.watched.has(socket)) {
      this.watched.add(socket);
      socket.once("close", () => {
        this.idleSockets.delete(socket);
        this.admitted.delete(socket);
      });
    }
    return true;
  }

  override reuseSocket(socket: Duplex, request: Parameters<https.Agent["reuseSocket"]>[1]): void {
    this.idleSockets.delete(socket);
    super.reuseSocket(socket, request);
  }
}
