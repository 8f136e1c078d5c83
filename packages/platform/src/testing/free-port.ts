import { createServer } from "node:net";

/**
 * Loopback ports nothing listens on right now, all distinct: each is the
 * kernel's pick, held until all are picked and then released. For tests that
 * start a server (a private Postgres, a process under test) or need a port
 * that refuses connections.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => {
              const address = server.address();
              if (address === null || typeof address === "string") {
                reject(new Error("the kernel gave no TCP port"));
              } else {
                resolve(address.port);
              }
            });
          }),
      ),
    );
  } finally {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      ),
    );
  }
}

/** One loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) {
    throw new Error("the kernel gave no TCP port");
  }
  return port;
}
