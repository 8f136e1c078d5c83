import { type BenchChild, spawnChild } from "./child-process";
import { until } from "./stats";

export interface SimInstanceView {
  readonly instanceId: string;
  readonly region: string;
  readonly state: string;
  readonly publicIp: string | null;
  readonly privateIp: string | null;
}

/** The CML service account of the benchmark's simulators; the fleet's settings get the same (`simCmlEnv`). */
const SIM_CML_USERNAME = "admin";
const SIM_CML_PASSWORD = "bench-cml-password";

/** Settings (as environment) that point the fleet's CML client at the benchmark's simulated controllers. */
export function simCmlEnv(sim: SimHandle): Record<string, string> {
  return {
    CLOUD_PROVIDER: "sim",
    SIM_URL: sim.url,
    SIM_CML_PORT: String(sim.cmlPort),
    CML_USERNAME: SIM_CML_USERNAME,
    CML_PASSWORD: SIM_CML_PASSWORD,
  };
}

export type SimStats = Record<"ec2" | "cloudwatch" | "cml", Record<string, number>> & {
  /** The most CML requests answered at once, and the connections (TLS handshakes) the CMLs accepted. */
  readonly cmlInFlightPeak?: number;
  readonly cmlConnections?: number;
  /** Of the CML connections, those whose TLS handshake resumed an earlier session. */
  readonly cmlResumedSessions?: number;
};

export interface SimHandle {
  readonly child: BenchChild;
  readonly url: string;
  readonly cmlPort: number;
  json<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  launch(region: string, count: number, tags: Record<string, string>): Promise<SimInstanceView[]>;
  /** Waits until every instance of the simulator runs. */
  waitAllRunning(expected: number, timeoutMs: number): Promise<SimInstanceView[]>;
  resetStats(): Promise<void>;
  stats(): Promise<SimStats>;
}

/** Starts the simulator in its own process (see children/sim-child.ts). */
export async function startSimChild(delays: Record<string, number>): Promise<SimHandle> {
  const options = { ...delays, cmlUsername: SIM_CML_USERNAME, cmlPassword: SIM_CML_PASSWORD };
  const { child, ready } = await spawnChild("sim-child.ts", { BENCH_SIM_OPTIONS: JSON.stringify(options) });
  const url = String(ready.url);
  const json = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method: init.method ?? "GET",
      headers: { "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`sim ${init.method ?? "GET"} ${path}: ${response.status} ${text.slice(0, 200)}`);
    }
    return (text === "" ? null : JSON.parse(text)) as T;
  };
  return {
    child,
    url,
    cmlPort: Number(ready.cmlPort),
    json,
    launch: (region, count, tags) =>
      json<SimInstanceView[]>("/_sim/instances", { method: "POST", body: { region, count, tags } }),
    waitAllRunning: (expected, timeoutMs) =>
      until(
        `${expected} simulated instances to run`,
        async () => {
          const all = await json<SimInstanceView[]>("/_sim/instances");
          const running = all.filter((instance) => instance.state === "running");
          return running.length >= expected ? running : null;
        },
        timeoutMs,
        500,
      ),
    resetStats: () => json<null>("/_sim/stats", { method: "DELETE" }).then(() => undefined),
    stats: () => json<SimStats>("/_sim/stats"),
  };
}

export function total(counts: Record<string, number>, keys?: readonly string[]): number {
  return Object.entries(counts)
    .filter(([key]) => keys === undefined || keys.includes(key))
    .reduce((sum, [, value]) => sum + value, 0);
}
