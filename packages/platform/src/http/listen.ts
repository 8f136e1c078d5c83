import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ListenOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** 127.0.0.1 unless given: nothing is exposed beyond the machine by accident. */
  readonly host?: string | undefined;
}

export interface ListeningAddress {
  readonly port: number;
  readonly address: string;
  /** e.g. http://127.0.0.1:4000, or http://[::1]:4000 for an IPv6 address. */
  readonly origin: string;
}

/**
 * Listens, and rejects on a failure to listen (EADDRINUSE ...) instead of
 * leaving it to an `error` event nobody is listening to yet.
 */
export async function listen(server: Server, options: ListenOptions): Promise<ListeningAddress> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return { port, address, origin: `http://${host}:${port}` };
}

/** Ends keep-alive and SSE connections too, which `close()` alone would wait for. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error === undefined ? resolve() : reject(error))),
  );
  server.closeAllConnections();
  await closed;
}
