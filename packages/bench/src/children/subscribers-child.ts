import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { failStartup, send, serveRunner } from "../harness/child-side";

const SUBSCRIPTION = "subscription { workerChanged { id updatedAt tags { key value } } }";

interface Settings {
  readonly urls: readonly string[];
  /** This process's subscribers are numbers `first` to `first + subscribers - 1` of the whole run. */
  readonly first: number;
  readonly subscribers: number;
  /**
   * Credentials to spread the subscribers over, by number: one credential
   * may hold only a few connections per API process, as a monitor or a
   * browser tab does.
   */
  readonly tokens: readonly string[];
  /** How many consecutive subscribers share one credential. */
  readonly subscribersPerToken: number;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
const wallNow = () => performance.timeOrigin + performance.now();

interface Change {
  readonly updatedAt?: string;
  readonly tags?: readonly { readonly key: string; readonly value: string }[];
}

function changeOf(payload: unknown): { sequence: number | null; updatedAt: number } {
  const change = (payload as { data?: { workerChanged?: Change } }).data?.workerChanged;
  const value = change?.tags?.find((tag) => tag.key === "bench-seq")?.value;
  return {
    sequence: value === undefined ? null : Number(value),
    updatedAt: change?.updatedAt === undefined ? Number.NaN : Date.parse(change.updatedAt),
  };
}

/**
 * Many graphql-ws subscribers in a process of their own (so their parsing
 * does not delay the runner's paced mutations), each on its own connection,
 * spread over the API processes. Receipt times are kept per mutation number.
 * The runner starts several of these when one Node process could not parse
 * every message in time (it would measure itself, not the API).
 */
async function main(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_SUBSCRIBERS ?? "{}") as Settings;
  const receipts = new Map<number, number[]>();
  /** Receipt minus the change's updatedAt (stamped by the API when it saved): the fan-out alone. */
  let fanout: number[] = [];
  const seenBy = new Set<number>();
  let errors = 0;
  let firstError: string | null = null;
  const clients: Client[] = [];
  const connected: Promise<void>[] = [];
  for (let index = 0; index < settings.subscribers; index++) {
    const number = settings.first + index;
    const url = settings.urls[number % settings.urls.length] ?? "";
    const token =
      settings.tokens[Math.floor(number / settings.subscribersPerToken) % settings.tokens.length] ?? "";
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
    });
    connected.push(new Promise<void>((resolve) => client.on("connected", () => resolve())));
    client.subscribe(
      { query: SUBSCRIPTION },
      {
        next: (payload) => {
          const at = wallNow();
          const { sequence, updatedAt } = changeOf(payload);
          seenBy.add(index);
          if (sequence !== null && sequence >= 0) {
            fanout.push(at - updatedAt);
            const list = receipts.get(sequence) ?? [];
            list.push(at);
            receipts.set(sequence, list);
          }
        },
        error: (error) => {
          errors++;
          firstError ??= error instanceof Error ? error.message : JSON.stringify(error).slice(0, 200);
        },
        complete: () => undefined,
      },
    );
    clients.push(client);
  }
  await Promise.all(connected);
  let cpuAtReset = process.cpuUsage();
  let wallAtReset = performance.now();

  serveRunner(
    async (message) => {
      if (message.type === "seen") {
        return { type: "seen", subscribers: seenBy.size, errors, firstError };
      }
      if (message.type === "reset") {
        receipts.clear();
        fanout = [];
        cpuAtReset = process.cpuUsage();
        wallAtReset = performance.now();
        return { type: "reset" };
      }
      if (message.type === "received") {
        let total = 0;
        for (const list of receipts.values()) {
          total += list.length;
        }
        return { type: "received", total };
      }
      if (message.type === "finish") {
        const sentAt = message.sentAt as Record<string, number>;
        const latencies: number[] = [];
        let delivered = 0;
        for (const [sequence, sent] of Object.entries(sentAt)) {
          const list = receipts.get(Number(sequence)) ?? [];
          delivered += Math.min(list.length, settings.subscribers);
          for (const at of list) {
            latencies.push(at - sent);
          }
        }
        const cpu = process.cpuUsage(cpuAtReset);
        // The runner merges the processes' samples: whole tenths of a millisecond keep the message small.
        const tenths = (samples: readonly number[]) => samples.map((sample) => Math.round(sample * 10));
        return {
          type: "finish",
          delivered,
          latencyTenths: tenths(latencies),
          fanoutTenths: tenths(fanout),
          cpuShare: (cpu.user + cpu.system) / 1000 / (performance.now() - wallAtReset),
          errors,
          firstError,
        };
      }
      return null;
    },
    async () => {
      await Promise.allSettled(clients.map((client) => client.dispose()));
    },
  );
  send({ type: "ready", cpu: process.cpuUsage() });
}

main().catch(failStartup);
