import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/**
 * Where graphql-ws messages wait until the end of the event loop's turn, so
 * that a socket gets everything of one turn in one write. Each write to a
 * loopback or LAN socket is a system call that also wakes the reader: with a
 * thousand subscribers it is most of what a fan-out costs. While the process
 * keeps up, a turn holds one event and nothing changes; once it falls behind,
 * the events that piled up in Redis arrive in one turn and go out in one write
 * per socket instead of one per event, so the process catches up instead of
 * falling further behind (it did: 10 s behind after 20 s of 50 updates a
 * second to 1,000 subscribers on two processes).
 */
export interface SocketOutbox {
  /** Registers the connection under a socket, so its messages of one turn are written together. */
  open(socket: WebSocket, connection: Duplex): void;
  /** Queues a text message for `socket`, written once this turn's callbacks have run, after what it already holds. */
  post(socket: WebSocket, text: string): void;
  /** Writes at once what waits for `socket` (before a message that must come after it). */
  flush(socket: WebSocket): void;
}

export interface SocketOutboxOptions {
  /**
   * Bytes a socket may have queued before it counts as too slow a reader:
   * it is closed rather than queued more (WS_MAX_BUFFERED_BYTES).
   */
  readonly maxBufferedBytes: number;
  /** Ends a socket that cannot keep up; what waited for it is dropped. */
  readonly closeTooSlow: (socket: WebSocket) => void;
}

/** Sockets written in one round: about 2 ms of writes on a loopback socket. */
const SOCKETS_PER_ROUND = 100;

interface Pending {
  readonly texts: string[];
}

export function createSocketOutbox(options: SocketOutboxOptions): SocketOutbox {
  const connections = new WeakMap<WebSocket, Duplex>();
  /** Sockets with messages waiting, in the order they first got one this turn. */
  const waiting = new Map<WebSocket, Pending>();
  let scheduled = false;

  function write(socket: WebSocket, texts: readonly string[]): void {
    if (socket.readyState !== socket.OPEN) {
      return;
    }
    // A reader this far behind gets nothing more: messages are dropped, never reordered or half sent.
    if (socket.bufferedAmount > options.maxBufferedBytes) {
      options.closeTooSlow(socket);
      return;
    }
    const connection = connections.get(socket);
    // Corked, the frames of every message go to the kernel in one writev when it is uncorked.
    connection?.cork();
    for (const text of texts) {
      socket.send(text);
    }
    connection?.uncork();
  }

  /**
   * Writes the sockets that waited longest, a few at a time: between two
   * rounds the process answers requests and reads Redis (a mutation's answer
   * does not wait behind the writes to every subscriber), and what arrives
   * meanwhile for a socket not written yet joins its write.
   */
  function flushSome(): void {
    scheduled = false;
    let written = 0;
    for (const [socket, pending] of waiting) {
      if (written === SOCKETS_PER_ROUND) {
        break;
      }
      waiting.delete(socket);
      write(socket, pending.texts);
      written++;
    }
    schedule();
  }

  function schedule(): void {
    if (!scheduled && waiting.size > 0) {
      scheduled = true;
      // After the turn's I/O callbacks and their promise chains: every event that arrived in it is posted by then.
      setImmediate(flushSome);
    }
  }

  return {
    open(socket, connection) {
      connections.set(socket, connection);
    },
    post(socket, text) {
      const pending = waiting.get(socket);
      if (pending !== undefined) {
        pending.texts.push(text);
        return;
      }
      waiting.set(socket, { texts: [text] });
      schedule();
    },
    flush(socket) {
      const pending = waiting.get(socket);
      if (pending === undefined) {
        return;
      }
      waiting.delete(socket);
      write(socket, pending.texts);
    },
  };
}
