import { dispatchControl, instanceControlRoutes } from "./control/control-routes";
import { handleEc2 } from "./ec2/ec2-handler";
import { NO_FAULTS } from "./faults";
import type { HttpRequest, HttpResponse } from "./http/http-types";
import { closeServer, listen, serve } from "./http/sim-server";
import { resolveOptions, type SimulatorOptions } from "./options";
import { InstanceStore } from "./state/instance-store";
import { IpAllocator } from "./state/ip-allocator";
import { Lifecycle } from "./state/lifecycle";
import { Scheduler } from "./state/scheduler";
import type { SimState } from "./state/sim-state";
import { CallStats } from "./stats";

export type { SimulatorOptions } from "./options";

export interface RunningSimulator {
  /** `http://host:port`: the EC2/CloudWatch endpoint and the `/_sim` control API. */
  readonly url: string;
  readonly port: number;
  /** The port every instance's CML HTTPS API listens on (at the instance's public IP). */
  readonly cmlPort: number;
  /** The live state, for in-process tests (read it; change it through the control API). */
  readonly state: SimState;
  close(): Promise<void>;
}

export async function startSimulator(options?: SimulatorOptions): Promise<RunningSimulator> {
  const settings = resolveOptions(options);
  const now = Date.now;
  const scheduler = new Scheduler(now);
  const store = new InstanceStore();
  const ips = new IpAllocator(settings.ipBlock);
  const lifecycle = new Lifecycle({
    store,
    scheduler,
    ips,
    now,
    timings: {
      bootDelayMs: settings.bootDelayMs,
      stopDelayMs: settings.stopDelayMs,
      terminateDelayMs: settings.terminateDelayMs,
      terminatedRetentionMs: settings.terminatedRetentionMs,
    },
  });
  const state: SimState = {
    store,
    lifecycle,
    ips,
    stats: new CallStats(),
    now,
    accountId: settings.accountId,
    statusCheckDelayMs: settings.statusCheckDelayMs,
    faults: NO_FAULTS,
  };
  const controlRoutes = instanceControlRoutes(state);

  const handle = async (request: HttpRequest): Promise<HttpResponse> => {
    if (request.path.startsWith("/_sim/")) {
      return dispatchControl(controlRoutes, request);
    }
    if (request.method !== "POST" || request.path !== "/") {
      return { status: 404, headers: { "content-type": "text/plain" }, body: "not found" };
    }
    if (state.faults.latencyMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, state.faults.latencyMs));
    }
    return handleEc2(request, state);
  };

  const server = serve(handle, settings.onError);
  const port = await listen(server, settings.port, settings.host);
  const urlHost = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    cmlPort: settings.cmlPort,
    state,
    close: async () => {
      scheduler.close();
      await closeServer(server);
    },
  };
}
