import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCmlClient } from "../../src/adapters/cml/create-cml-client";
import { CmlError } from "../../src/errors";
import { silentLogger } from "../support/silent-logger";

/** Failure modes the simulator does not offer: a silent peer and a CML that answers nonsense. */
let silent: net.Server;
let silentUrl: string;
let odd: http.Server;
let oddUrl: string;
const sockets = new Set<net.Socket>();

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );
}

beforeAll(async () => {
  silent = net.createServer((socket) => {
    sockets.add(socket);
  });
  silentUrl = `http://127.0.0.1:${await listen(silent)}`;
  odd = http.createServer((req, res) => {
    if (req.url === "/api/v0/system_information") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ version: 29, ready: "yes" }));
      return;
    }
    res.writeHead(500, { "content-type": "text/html" });
    res.end("<html>Internal Server Error</html>");
  });
  oddUrl = `http://127.0.0.1:${await listen(odd)}`;
});

afterAll(async () => {
  for (const socket of sockets) {
    socket.destroy();
  }
  odd.closeAllConnections();
  await Promise.all([
    new Promise<void>((resolve) => silent.close(() => resolve())),
    new Promise<void>((resolve) => odd.close(() => resolve())),
  ]);
});

const cml = () =>
  createCmlClient({
    username: "u",
    password: "p",
    tls: { verify: true },
    requestTimeoutMs: 300,
    logger: silentLogger,
  });

describe("CML transport failure modes", () => {
  it("times out on a peer that never answers", async () => {
    const client = cml();
    try {
      const error = await client
        .systemInformation({ workerId: "w", baseUrl: silentUrl })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CmlError);
      expect(error).toMatchObject({ kind: "timeout", retryable: true });
    } finally {
      client.close();
    }
  });

  it("reports an answer of the wrong shape as a protocol error naming the fields", async () => {
    const client = cml();
    try {
      const error = await client
        .systemInformation({ workerId: "w", baseUrl: oddUrl })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: "protocol", retryable: false });
      expect((error as CmlError).message).toContain("version");
      expect((error as CmlError).message).toContain("ready");

      const login = await client.licensing({ workerId: "w", baseUrl: oddUrl }).catch((e: unknown) => e);
      expect(login).toMatchObject({ kind: "protocol", httpStatus: 500 });
    } finally {
      client.close();
    }
  });
});
