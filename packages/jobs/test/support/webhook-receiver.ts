import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { useStarted } from "../../../platform/test/support/use-started";

/** One POST as the receiver got it: raw body, headers, and what it answered. */
export interface ReceivedDelivery {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
}

/**
 * A local HTTP receiver of notifications: records every request in arrival
 * order and answers each path's planned statuses in turn (200 once the plan
 * is used up).
 */
export async function startWebhookReceiver() {
  const received: ReceivedDelivery[] = [];
  const plans = new Map<string, number[]>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      const status = plans.get(path)?.shift() ?? 200;
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString("utf8"), status });
      response.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "not now");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    /** The statuses the next requests to `path` get, in order. */
    plan(path: string, statuses: readonly number[]) {
      plans.set(path, [...statuses]);
    },
    at(path: string): ReceivedDelivery[] {
      return received.filter((delivery) => delivery.path === path);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

/** A receiver for the tests of the describe block (or file) that calls this: started in beforeAll, closed in afterAll. */
export function useWebhookReceiver(): WebhookReceiver {
  return useStarted("the webhook receiver", startWebhookReceiver, { stop: (receiver) => receiver.close() });
}
