import { describe, expect, it } from "vitest";
import { CmlError } from "../../errors";
import type { CmlHttpRequest, CmlHttpResponse, CmlTransport } from "./cml-http-transport";
import { limitCmlRequests } from "./cml-request-limit";

/** A transport that holds every request until the test answers it, so what is in flight can be read. */
function heldTransport() {
  const sent: { request: CmlHttpRequest; answer: () => void }[] = [];
  const transport: CmlTransport = {
    send: (request) =>
      new Promise<CmlHttpResponse>((resolve) => {
        sent.push({ request, answer: () => resolve({ status: 200, body: request.path }) });
      }),
    destroy: () => undefined,
  };
  return { transport, sent };
}

const get = (baseUrl: string, path: string, signal?: AbortSignal): CmlHttpRequest => ({
  baseUrl,
  method: "GET",
  path,
  signal,
});

/** Lets every settled promise's continuations run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("limitCmlRequests", () => {
  it("sends at most the process's bound at once, the rest in the order asked as answers come back", async () => {
    const { transport, sent } = heldTransport();
    const limited = limitCmlRequests(transport, { inFlight: 3, perWorker: 4 });

    const answers = ["a", "b", "c", "d", "e"].map((worker) => limited.send(get(`https://${worker}`, "/x")));
    await settle();
    expect(sent.map(({ request }) => request.baseUrl)).toEqual(["https://a", "https://b", "https://c"]);
    expect(limited.load()).toEqual({ inFlight: 3, queued: 2, idleConnections: 0 });

    sent[1]?.answer();
    await settle();
    expect(sent.map(({ request }) => request.baseUrl)).toEqual([
      "https://a",
      "https://b",
      "https://c",
      "https://d",
    ]);

    for (let index = 0; index < 5; index += 1) {
      sent[index]?.answer();
      await settle();
    }
    await Promise.all(answers);
    expect(limited.load()).toEqual({ inFlight: 0, queued: 0, idleConnections: 0 });
  });

  it("holds one worker to its own bound without holding up another worker", async () => {
    const { transport, sent } = heldTransport();
    const limited = limitCmlRequests(transport, { inFlight: 10, perWorker: 2 });

    for (const path of ["/1", "/2", "/3", "/4"]) {
      void limited.send(get("https://busy", path));
    }
    void limited.send(get("https://other", "/1"));
    await settle();

    expect(sent.map(({ request }) => `${request.baseUrl}${request.path}`)).toEqual([
      "https://busy/1",
      "https://busy/2",
      "https://other/1",
    ]);
    // The busy worker's queued questions hold no process slot while they wait for their worker's.
    expect(limited.load()).toEqual({ inFlight: 3, queued: 2, idleConnections: 0 });
  });

  it("lets a request whose caller gave up leave the queue without ever being sent", async () => {
    const { transport, sent } = heldTransport();
    const limited = limitCmlRequests(transport, { inFlight: 1, perWorker: 4 });
    const first = limited.send(get("https://a", "/first"));
    const deadline = new AbortController();
    const abandoned = limited
      .send(get("https://b", "/late", deadline.signal))
      .catch((error: unknown) => error);
    const next = limited.send(get("https://c", "/next"));
    await settle();

    deadline.abort();
    const error = await abandoned;
    expect(error).toBeInstanceOf(CmlError);
    expect(error).toMatchObject({ kind: "timeout" });
    expect(limited.load()).toEqual({ inFlight: 1, queued: 1, idleConnections: 0 });

    sent[0]?.answer();
    await settle();
    expect(sent.map(({ request }) => request.path)).toEqual(["/first", "/next"]);
    sent[1]?.answer();
    await Promise.all([first, next]);
    expect(limited.load()).toEqual({ inFlight: 0, queued: 0, idleConnections: 0 });
  });
});
