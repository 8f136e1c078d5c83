import http from "node:http";
import type { RunningSimulator } from "@cml-fleet/sim/simulator";
import { expect, vi } from "vitest";
import type { CmlEndpoint } from "../../src/ports/cml-client.port";

export const SIM_CREDENTIALS = { accessKeyId: "AKIDSIMULATOR", secretAccessKey: "sim-secret" };

export interface SimStats {
  readonly ec2: Readonly<Record<string, number>>;
  readonly cloudwatch: Readonly<Record<string, number>>;
  readonly cml: Readonly<Record<string, number>>;
  /** New connections to the CML endpoints (TLS handshakes, over HTTPS). */
  readonly cmlConnections: number;
}

/** The simulator's `/_sim` control API. */
export function simControl(sim: RunningSimulator) {
  // Plain node:http without keep-alive: a pooled connection the simulator closed while a test was busy
  // would otherwise fail the next control call with ECONNRESET.
  function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${sim.url}${path}`,
        {
          method,
          agent: false,
          headers: payload === undefined ? {} : { "content-type": "application/json" },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              reject(new Error(`${method} ${path}: HTTP ${status} ${text}`));
              return;
            }
            resolve(text === "" ? null : JSON.parse(text));
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }
  return {
    call,
    stats: async () => (await call("GET", "/_sim/stats")) as SimStats,
    resetStats: () => call("DELETE", "/_sim/stats"),
    faults: (patch: Record<string, unknown>) => call("PUT", "/_sim/faults", patch),
    clearFaults: () =>
      call("PUT", "/_sim/faults", {
        throttleRate: 0,
        latencyMs: 0,
        failRate: 0,
        denyActions: [],
        instanceLimit: null,
        insufficientCapacityTypes: [],
      }),
    seed: async (count: number, tags: Record<string, string>, region = "us-east-1") =>
      (await call("POST", "/_sim/instances", { count, tags, region })) as { instanceId: string }[],
  };
}

/** How long the adapter tests wait for the simulator to get somewhere (it runs with short delays). */
export const PATIENCE = { timeout: 20_000, interval: 25 } as const;

export interface SimCmlView {
  readonly ready: boolean;
  readonly listening: boolean;
  readonly serviceUserId: string;
  readonly runningNodes: number;
  readonly labs: { id: string; state: string }[];
}

export const simCmlView = async (control: ReturnType<typeof simControl>, instanceId: string) =>
  (await control.call("GET", `/_sim/instances/${instanceId}/cml`)) as SimCmlView;

/** A fresh running instance whose CML answers and is ready, and the endpoint the fleet would use. */
export async function readySimWorker(
  sim: RunningSimulator,
  control: ReturnType<typeof simControl>,
): Promise<{ instanceId: string; endpoint: CmlEndpoint }> {
  const [seeded] = await control.seed(1, { "cml-fleet:managed": "true" });
  if (seeded === undefined) {
    throw new Error("the simulator launched nothing");
  }
  const { instanceId } = seeded;
  const publicIp = await vi.waitFor(async () => {
    const instance = (await control.call("GET", `/_sim/instances/${instanceId}`)) as {
      publicIp: string | null;
    };
    const cml = await simCmlView(control, instanceId);
    expect(cml.ready && cml.listening).toBe(true);
    return instance.publicIp ?? expect.unreachable("a listening instance has a public IP");
  }, PATIENCE);
  return {
    instanceId,
    endpoint: { workerId: `worker-${instanceId}`, baseUrl: `https://${publicIp}:${sim.cmlPort}` },
  };
}
