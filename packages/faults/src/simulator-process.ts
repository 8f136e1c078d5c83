import { fileURLToPath } from "node:url";
import { freePorts } from "@cml-fleet/platform/testing/free-port";
import { type RunningChild, spawnChild, tailOf } from "./child-process";
import { waitUntil } from "./wait";

const SIM_PACKAGE = fileURLToPath(new URL("../../sim", import.meta.url));

/** The CML service account of the suite's simulator; the fleet's settings name the same one. */
export const SIM_CML_USERNAME = "fleet";
export const SIM_CML_PASSWORD = "faults-cml-password";

/** What the suite reads of an instance from `GET /_sim/instances`. */
export interface SimInstance {
  readonly instanceId: string;
  readonly state: string;
  readonly region: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** `GET /_sim/stats`: calls per action. */
export interface SimStats {
  readonly ec2: Readonly<Record<string, number>>;
  readonly cloudwatch: Readonly<Record<string, number>>;
}

/** `GET /_sim/instances/{id}/cml`, the part the suite reads. */
export interface SimCml {
  readonly licenseStatus: string;
  readonly registerCalls: number;
}

export interface SimulatorProcess {
  readonly url: string;
  readonly cmlPort: number;
  readonly child: RunningChild;
  json<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  instances(): Promise<SimInstance[]>;
  stats(): Promise<SimStats>;
  /** `PUT /_sim/faults`, merged into the current faults. */
  setFaults(faults: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/**
 * The simulated cloud as a process of its own (`packages/sim/src/main.ts`), so its instances outlive any fleet
 * process the suite kills. Short delays keep every lifecycle step around a second.
 */
export async function startSimulatorProcess(delays: Record<string, string> = {}): Promise<SimulatorProcess> {
  const [port, cmlPort] = await freePorts(2);
  if (port === undefined || cmlPort === undefined) {
    throw new Error("no free ports for the simulator");
  }
  const child = spawnChild({
    label: "simulator",
    command: process.execPath,
    args: ["--import", "tsx", "src/main.ts"],
    cwd: SIM_PACKAGE,
    env: {
      SIM_PORT: String(port),
      SIM_CML_PORT: String(cmlPort),
      // Its own loopback block, away from the default 1 of a developer's simulator.
      SIM_IP_BLOCK: String(100 + (port % 150)),
      SIM_BOOT_DELAY: "500ms",
      SIM_STOP_DELAY: "500ms",
      SIM_CML_READY_DELAY: "500ms",
      SIM_STATUS_CHECK_DELAY: "500ms",
      SIM_LICENSE_REGISTRATION_DELAY: "500ms",
      SIM_SNAPSHOT_DELAY: "500ms",
      SIM_CML_USERNAME: SIM_CML_USERNAME,
      SIM_CML_PASSWORD: SIM_CML_PASSWORD,
      ...delays,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const json = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method: init.method ?? "GET",
      headers: { "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`simulator ${init.method ?? "GET"} ${path}: ${response.status} ${text.slice(0, 300)}`);
    }
    return (text === "" ? null : JSON.parse(text)) as T;
  };
  await waitUntil(
    "the simulator to answer GET /_sim/faults",
    async () => {
      await json("/_sim/faults");
      return { done: true, seen: "answered" };
    },
    { timeoutMs: 60_000, intervalMs: 200, context: () => tailOf(child) },
  );
  return {
    url,
    cmlPort,
    child,
    json,
    instances: () => json<SimInstance[]>("/_sim/instances"),
    stats: () => json<SimStats>("/_sim/stats"),
    async setFaults(faults) {
      await json("/_sim/faults", { method: "PUT", body: faults });
    },
    close: () => child.stop(),
  };
}
