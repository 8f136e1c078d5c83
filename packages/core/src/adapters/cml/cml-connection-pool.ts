import https from "node:https";
import type { Duplex } from "node:stream";

/**
 * An HTTPS agent that keeps at most `maxIdle` unused connections over all
 * hosts together. Node's agent bounds idle connections per host only, and an
 * idle TLS connection holds about 100 KB of the process (OpenSSL's state and
 * buffers, measured on Node 24): kept for every worker of a large fleet they
 * would outweigh everything else the process holds. Past the bound, the
 * connection idle the longest is closed to keep the one just freed: the worker
 * a look is asking now keeps its connections for its next question, and the
 * one closed belongs to a worker whose look is over (its next sweep makes a
 * new one, a handshake checked like every new connection). Refusing the one
 * just freed instead made a full pool close every connection of the worker
 * being asked after each answer: a handshake per question, not per worker.
 */
export class BoundedIdleAgent extends https.Agent {
  /** The idle connections now, oldest first (a Set keeps insertion order), so each leaves exactly once. */
  private readonly idleSockets = new Set<Duplex>();
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
    while (this.idleSockets.size >= this.maxIdle) {
      this.closeOldestIdle();
    }
    this.idleSockets.add(socket);
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
    this.idleSockets.delete(socket);
  }

  /** Closes the connection idle the longest; its close takes it out of its pool (Node's agent listens). */
  private closeOldestIdle(): void {
    const [oldest] = this.idleSockets;
    if (oldest === undefined) {
      return;
    }
    this.idleSockets.delete(oldest);
    oldest.destroy();
  }
}
