import { createServer as createNetServer } from "node:net";
import { handleCloudWatch, isCloudWatchRequest } from "./cloudwatch/cloudwatch-handler";
import { CustomMetricStore } from "./cloudwatch/custom-metric-store";
import type { MetricDeps } from "./cloudwatch/get-metric-data";
import { CmlListeners } from "./cml/cml-listeners";
import { CmlService } from "./cml/cml-service";
import { simTlsMaterial } from "./cml/tls";
import { cmlControlRoutes } from "./control/cml-control-routes";
import { dispatchControl, instanceControlRoutes } from "./control/control-routes";
import { statusCheckControlRoutes } from "./control/status-check-routes";
import { tagControlRoutes } from "./control/tag-control-routes";
import { EbsSnapshotStore } from "./ebs/ebs-snapshot";
import { handleEc2 } from "./ec2/ec2-handler";
import { NO_FAULTS } from "./faults";
import { callerAccount } from "./http/caller-account";
import type { HttpRequest, HttpResponse } from "./http/http-types";
import { closeServer, listen, serve } from "./http/sim-server";
import { resolveOptions, type SimulatorOptions, warnOnConsole } from "./options";
import { restoreSnapshot } from "./persistence/restore";
import { captureSnapshot } from "./persistence/snapshot";
import { loadSnapshot, saveSnapshot } from "./persistence/snapshot-file";
import { handlePricing, isPricingRequest } from "./pricing/pricing-handler";
import { accountState } from "./state/account-scope";
import { InstanceStore } from "./state/instance-store";
import { IpAllocator } from "./state/ip-allocator";
import { Lifecycle } from "./state/lifecycle";
import { Scheduler } from "./state/scheduler";
import type { SimState } from "./state/sim-state";
import { CallStats } from "./stats";
import { handleSts, isStsRequest } from "./sts/sts-handler";

export type { SimulatorOptions } from "./options";

export interface RunningSimulator {
  /** `http://host:port`: the EC2/CloudWatch endpoint and the `/_sim` control API. */
  readonly url: string;
  readonly port: number;
  /** The port every instance's CML HTTPS API listens on (at the instance's public IP). */
  readonly cmlPort: number;
  /** The live EC2 side, for in-process assertions (change it through the control API or the SDK). */
  readonly state: SimState;
  /** The simulated CML controllers. */
  readonly cml: CmlService;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const snapshot =
    options.statePath === undefined
      ? null
      : await loadSnapshot(options.statePath, options.onWarning ?? warnOnConsole);
  // Restored addresses stay in their block unless another one is configured explicitly.
  const settings = resolveOptions({ ...options, ipBlock: options.ipBlock ?? snapshot?.ipBlock });
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
    ebs: {
      snapshots: new EbsSnapshotStore(),
      snapshotDelayMs: settings.snapshotDelayMs,
      // The CML service is made just below; these run only once requests arrive.
      labsOf: (instanceId) => cml.labsOf(instanceId),
      restoreLabs: (instanceId, labs) => cml.restoreLabs(instanceId, labs),
    },
    faults: NO_FAULTS,
  };
  const cmlPort = settings.cmlPort === 0 ? await freePort() : settings.cmlPort;
  const listeners = new CmlListeners({
    port: cmlPort,
    tls: simTlsMaterial(),
    onError: settings.onError,
    onConnection: () => state.stats.cmlConnectionAccepted(),
    onSessionResumed: () => state.stats.cmlSessionResumed(),
  });
  const cml = new CmlService({
    state,
    scheduler,
    listeners,
    settings: {
      readyDelayMs: settings.cmlReadyDelayMs,
      username: settings.cmlUsername,
      password: settings.cmlPassword,
      tokenTtlMs: settings.cmlTokenTtlMs,
      licenseRegistrationDelayMs: settings.licenseRegistrationDelayMs,
    },
  });
  const metricDeps: MetricDeps = {
    state,
    customMetrics: new CustomMetricStore(),
    loadOf: (instance) => cml.loadOf(instance),
  };
  if (snapshot !== null) {
    await restoreSnapshot(snapshot, { state, cml });
  }
  const controlRoutes = [
    ...instanceControlRoutes(state),
    ...statusCheckControlRoutes(state),
    ...tagControlRoutes(state),
    ...cmlControlRoutes(cml),
  ];

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
    if (isPricingRequest(request)) {
      return handlePricing(request, state);
    }
    if (isStsRequest(request)) {
      return handleSts(request, { defaultAccountId: state.accountId, now });
    }
    // The access key names the account; EC2 and CloudWatch then see only that account's instances.
    const caller = accountState(state, callerAccount(request.headers, state.accountId));
    return isCloudWatchRequest(request)
      ? handleCloudWatch(request, { ...metricDeps, state: caller })
      : handleEc2(request, caller);
  };

  const save = (path: string) =>
    saveSnapshot(
      path,
      captureSnapshot({ store, cml, ebs: state.ebs.snapshots, ipBlock: settings.ipBlock, now: now() }),
    ).catch((error: unknown) =>
      settings.onWarning(
        `could not save the simulator state to ${path} (${error instanceof Error ? error.message : String(error)}); ` +
          "its instances will be gone on the next start",
      ),
    );

  const server = serve(handle, settings.onError);
  let port: number;
  try {
    port = await listen(server, settings.port, settings.host);
  } catch (error) {
    // Restored instances already listen on their CML addresses; a failed start must not leave them open.
    scheduler.close();
    await listeners.closeAll();
    throw error;
  }
  const urlHost = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    cmlPort,
    state,
    cml,
    close: () => {
      closed ??= (async () => {
        scheduler.close();
        const saving = settings.statePath === null ? Promise.resolve() : save(settings.statePath);
        await Promise.all([saving, closeServer(server), listeners.closeAll()]);
      })();
      return closed;
    },
  };
}

/** A port free on loopback right now; every instance's CML listener then uses it on its own address. */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  const port = await new Promise<number>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
