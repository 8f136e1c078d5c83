import { CmlError } from "../../errors";
import { type Release, Slots } from "../../services/slots";
import type { CmlHttpRequest, CmlHttpResponse, CmlTransport } from "./cml-http-transport";

export interface CmlRequestLimits {
  /** Most requests in flight at once to all workers together (the process's bound). */
  readonly inFlight: number;
  /** Most requests in flight at once to one worker (its kept-alive connections, see the transport). */
  readonly perWorker: number;
}

export interface CmlRequestLoad {
  /** Requests holding a process slot (sent, or about to be). */
  readonly inFlight: number;
  /** Requests waiting for a slot of their worker's or of the process's. */
  readonly queued: number;
  /** Connections kept open for the next request, unused now (each about 100 KB over TLS). */
  readonly idleConnections: number;
}

export interface LimitedCmlTransport extends CmlTransport {
  load(): CmlRequestLoad;
  /** Whether requests to this worker wait to be sent (a connection to it freed now would serve them). */
  waitingFor(baseUrl: string): boolean;
}

/**
 * One bound on the CML requests a process has in flight, whoever asks (the
 * sweep, a refresh, a provision), and one per worker that matches the
 * connections the transport keeps to it. A request first takes its worker's
 * slot, then the process's: a process slot is only ever held by a request
 * that has a connection to go out on, never by one queued behind its
 * worker's others. A request whose signal aborts while it waits leaves the
 * queues; one that aborts while sent frees its slots when the transport
 * gives up on it (at once: the transport listens to the same signal).
 */
export function limitCmlRequests(transport: CmlTransport, limits: CmlRequestLimits): LimitedCmlTransport {
  const shared = new Slots(limits.inFlight);
  const workers = new Map<string, Slots>();
  /** Per worker, the requests not yet handed to the transport (waiting for a slot); absent: none. */
  const unsent = new Map<string, number>();
  let queued = 0;

  function countUnsent(baseUrl: string, change: 1 | -1): void {
    const count = (unsent.get(baseUrl) ?? 0) + change;
    if (count > 0) {
      unsent.set(baseUrl, count);
    } else {
      unsent.delete(baseUrl);
    }
  }

  function workerSlots(baseUrl: string): Slots {
    let slots = workers.get(baseUrl);
    if (slots === undefined) {
      slots = new Slots(limits.perWorker);
      workers.set(baseUrl, slots);
    }
    return slots;
  }

  /** Forgets a worker's slots once nothing holds or waits for them, so the map is bounded by the work in flight. */
  function settle(baseUrl: string, slots: Slots): void {
    if (slots.inUse === 0 && slots.waiting === 0 && workers.get(baseUrl) === slots) {
      workers.delete(baseUrl);
    }
  }

  /** Both slots (the worker's first), released together; rejects if the request is abandoned meanwhile. */
  async function acquire(request: CmlHttpRequest, slots: Slots): Promise<Release> {
    const abandoned = () =>
      new CmlError("timeout", request.baseUrl, "given up before it was sent (the caller's deadline passed)");
    queued += 1;
    try {
      const releaseWorker = await slots.acquire(request.signal, abandoned);
      const releaseShared = await shared.acquire(request.signal, abandoned).catch((error: unknown) => {
        releaseWorker();
        throw error;
      });
      return () => {
        releaseShared();
        releaseWorker();
      };
    } finally {
      queued -= 1;
    }
  }

  async function send(request: CmlHttpRequest): Promise<CmlHttpResponse> {
    const slots = workerSlots(request.baseUrl);
    countUnsent(request.baseUrl, 1);
    const release = await acquire(request, slots)
      .catch((error: unknown) => {
        settle(request.baseUrl, slots);
        throw error;
      })
      .finally(() => countUnsent(request.baseUrl, -1));
    try {
      return await transport.send(request);
    } finally {
      release();
      settle(request.baseUrl, slots);
    }
  }

  return {
    send,
    load: () => ({ inFlight: shared.inUse, queued, idleConnections: transport.idleConnections?.() ?? 0 }),
    waitingFor: (baseUrl) => unsent.has(baseUrl),
    destroy: () => transport.destroy(),
  };
}
