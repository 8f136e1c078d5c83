import type { CmlLab } from "@cml-fleet/core/domain/worker";
import type { Ec2InstanceState } from "@cml-fleet/core/domain/worker-status";
import { CmlError } from "@cml-fleet/core/errors";
import type {
  CloudInstance,
  CloudProvider,
  CloudTarget,
  InstanceMetrics,
  InstanceStateChange,
  InstanceStatusCheck,
} from "@cml-fleet/core/ports/cloud-provider.port";
import type {
  CmlActivityEvent,
  CmlClient,
  CmlLicensing,
  CmlSystemHealth,
  CmlSystemInformation,
  CmlSystemStats,
} from "@cml-fleet/core/ports/cml-client.port";
import type { SimulatedTime } from "./simulated-time";
import type { ActivityInterval } from "./trace";

/** A stretch in which people use the worker, with the nodes they run (overlapping intervals summed). */
interface Segment {
  readonly fromMs: number;
  readonly toMs: number;
  readonly runningNodes: number;
}

/** The trace's (possibly overlapping) intervals as disjoint stretches, in order. */
export function activitySegments(intervals: readonly ActivityInterval[]): Segment[] {
  const points = [...new Set(intervals.flatMap((i) => [i.fromMs, i.toMs]))].sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (let index = 0; index + 1 < points.length; index++) {
    const fromMs = points[index] as number;
    const toMs = points[index + 1] as number;
    const covering = intervals.filter((i) => i.fromMs <= fromMs && i.toMs >= toMs);
    if (covering.length === 0) {
      continue;
    }
    const runningNodes = covering.reduce((sum, i) => sum + i.runningNodes, 0);
    const last = segments.at(-1);
    if (last !== undefined && last.toMs === fromMs && last.runningNodes === runningNodes) {
      segments[segments.length - 1] = { ...last, toMs };
    } else {
      segments.push({ fromMs, toMs, runningNodes });
    }
  }
  return segments;
}

const IDLE_CPU_PERCENT = 2;
const BUSY_CPU_PERCENT = 40;
const LAB: Omit<CmlLab, "nodeCount"> = { id: "replay-lab", title: "replayed lab", state: "STARTED" };
const LICENSED: CmlLicensing = {
  status: "REGISTERED",
  registrationStatus: "COMPLETED",
  authorizationStatus: "IN_COMPLIANCE",
  nodeLimit: 1_000_000,
  nodesInUse: 0,
  expires: null,
};

export interface SimulatedWorkerOptions {
  readonly instanceId: string;
  readonly region: string;
  readonly instanceType: string;
  readonly bootMs: number;
  readonly activity: readonly ActivityInterval[];
  readonly runningAtStart: boolean;
}

/**
 * One worker's instance and its CML, in simulated time: EC2's state, the
 * billing it causes, and what CML says (running nodes, started labs, user
 * activity) derived from the trace's activity intervals. It stands for the
 * fleet's cloud and CML ports, so the core services talk to it as they talk
 * to AWS and a real CML.
 *
 * A start takes the trace's `bootMinutes` to a ready CML: EC2 says `running`
 * after a quarter of it, CML answers "not ready" until all of it has passed.
 * A stop takes effect at once (EC2 stops billing a stopping instance).
 * People use the worker only while its CML is ready: nodes and activity
 * during a boot wait for it.
 */
export class SimulatedWorker {
  readonly cloud: CloudProvider;
  readonly cml: CmlClient;
  /** Closed billed stretches (start call to stop call). */
  readonly billed: { fromMs: number; toMs: number }[] = [];
  /** Every stop call, and whether a person made it. */
  readonly stops: { atMs: number; manual: boolean }[] = [];
  /** Set while a person's stop runs, so the stop it causes is counted as theirs. */
  manualStopInProgress = false;

  private state: "stopped" | "pending" | "running";
  private billedSinceMs: number | null;
  private runningAtMs: number;
  private readyAtMs: number;
  private launchMs: number;
  private readonly segments: Segment[];
  private cursor = 0;

  constructor(
    private readonly time: SimulatedTime,
    private readonly options: SimulatedWorkerOptions,
  ) {
    const nowMs = time.nowMillis();
    this.segments = activitySegments(options.activity);
    this.state = options.runningAtStart ? "running" : "stopped";
    this.billedSinceMs = options.runningAtStart ? nowMs : null;
    this.runningAtMs = nowMs;
    this.readyAtMs = nowMs;
    this.launchMs = nowMs;
    this.cloud = this.cloudProvider();
    this.cml = this.cmlClient();
  }

  /** EC2's state now. */
  instanceState(): "stopped" | "pending" | "running" {
    if (this.state === "pending" && this.time.nowMillis() >= this.runningAtMs) {
      this.state = "running";
    }
    return this.state;
  }

  /** Whether the CML answers and is ready now. */
  cmlReady(): boolean {
    return this.instanceState() === "running" && this.time.nowMillis() >= this.readyAtMs;
  }

  /** When the current boot's CML is (or was) ready; null while the instance is stopped. */
  readyAt(): number | null {
    return this.instanceState() === "stopped" ? null : this.readyAtMs;
  }

  /**
   * While people run nodes on a ready CML: the end of that stretch of use
   * (same nodes throughout); null otherwise. Until then every sweep reads the
   * same figures and every idle verdict is a veto.
   */
  steadyUseUntil(): number | null {
    if (!this.cmlReady()) {
      return null;
    }
    const segment = this.segmentNow();
    return segment !== null && segment.runningNodes > 0 ? segment.toMs : null;
  }

  /** Billed stretches up to `endMs`, the open one closed there. */
  billedUntil(endMs: number): { fromMs: number; toMs: number }[] {
    return this.billedSinceMs === null
      ? [...this.billed]
      : [...this.billed, { fromMs: this.billedSinceMs, toMs: endMs }];
  }

  /** The activity segment covering now, if any (time only moves forward). */
  private segmentNow(): Segment | null {
    const nowMs = this.time.nowMillis();
    while (this.cursor < this.segments.length && (this.segments[this.cursor] as Segment).toMs <= nowMs) {
      this.cursor++;
    }
    const segment = this.segments[this.cursor];
    return segment !== undefined && segment.fromMs <= nowMs ? segment : null;
  }

  /** Nodes running now: the activity's, once CML is ready. */
  private runningNodes(): number {
    return this.cmlReady() ? (this.segmentNow()?.runningNodes ?? 0) : 0;
  }

  private instance(): CloudInstance {
    const state: Ec2InstanceState = this.instanceState();
    const up = state !== "stopped";
    return {
      instanceId: this.options.instanceId,
      region: this.options.region,
      state,
      stateReason: null,
      instanceType: this.options.instanceType,
      imageId: "ami-0replay000000000",
      publicIp: up ? "198.51.100.10" : null,
      privateIp: "10.0.0.10",
      launchTime: new Date(this.launchMs),
      tags: {},
      monitoring: "basic",
    };
  }

  private change(previous: Ec2InstanceState): InstanceStateChange {
    return {
      instanceId: this.options.instanceId,
      previousState: previous,
      currentState: this.instanceState(),
    };
  }

  private cloudProvider(): CloudProvider {
    const mine = (ids: readonly string[]) => ids.includes(this.options.instanceId);
    const simulated: Partial<CloudProvider> = {
      deleteTags: async () => {},
      setTags: async () => {},
      publishMetrics: async () => {},
      start: async (_target: CloudTarget, _id: string) => {
        const previous = this.instanceState();
        if (previous === "stopped") {
          const nowMs = this.time.nowMillis();
          this.state = "pending";
          this.launchMs = nowMs;
          this.runningAtMs = nowMs + Math.round(this.options.bootMs / 4);
          this.readyAtMs = nowMs + this.options.bootMs;
          this.billedSinceMs = nowMs;
        }
        return this.change(previous);
      },
      stop: async () => {
        const previous = this.instanceState();
        if (previous !== "stopped") {
          const nowMs = this.time.nowMillis();
          this.state = "stopped";
          this.billed.push({ fromMs: this.billedSinceMs ?? nowMs, toMs: nowMs });
          this.billedSinceMs = null;
          this.stops.push({ atMs: nowMs, manual: this.manualStopInProgress });
        }
        return this.change(previous);
      },
      describe: async (_target, id) => (id === this.options.instanceId ? this.instance() : null),
      describeFleet: async () => [this.instance()],
      describeMany: async (_target, ids) => (mine(ids) ? [this.instance()] : []),
      statusChecks: async (_target, ids): Promise<InstanceStatusCheck[]> => {
        if (!mine(ids)) {
          return [];
        }
        const state = this.instanceState();
        const status = state === "running" ? "ok" : state === "pending" ? "initializing" : "not-applicable";
        return [{ instanceId: this.options.instanceId, state, instanceStatus: status, systemStatus: status }];
      },
      metrics: async (_target, ids) => {
        const result = new Map<string, InstanceMetrics>();
        if (mine(ids) && this.instanceState() === "running") {
          result.set(this.options.instanceId, {
            cpuPercent: this.runningNodes() > 0 ? BUSY_CPU_PERCENT : IDLE_CPU_PERCENT,
            memoryPercent: 20,
            networkInBytes: 0,
            networkOutBytes: 0,
          });
        }
        return result;
      },
    };
    // What a replay never does (launch, terminate, reboot, images, snapshots) rejects loudly instead of pretending.
    return new Proxy(simulated, {
      get: (target, property) =>
        property === "then"
          ? undefined
          : typeof property === "string" && property in target
            ? target[property as keyof CloudProvider]
            : () => Promise.reject(new Error(`the replay does not simulate the cloud's ${String(property)}`)),
    }) as CloudProvider;
  }

  private cmlClient(): CmlClient {
    const reach = (baseUrl: string) => {
      if (this.instanceState() !== "running") {
        throw new CmlError("unreachable", baseUrl, "connection refused (the instance does not run)");
      }
    };
    const refused = (what: string) => (endpoint: { baseUrl: string }) =>
      Promise.reject(new CmlError("refused", endpoint.baseUrl, `the replay does not simulate ${what}`));
    return {
      systemInformation: async (endpoint): Promise<CmlSystemInformation> => {
        reach(endpoint.baseUrl);
        return { version: "2.8.1", ready: this.cmlReady() };
      },
      systemHealth: async (endpoint): Promise<CmlSystemHealth> => {
        reach(endpoint.baseUrl);
        return { valid: true, isLicensed: true, computesValid: true, failing: [] };
      },
      systemStats: async (endpoint): Promise<CmlSystemStats> => {
        reach(endpoint.baseUrl);
        const runningNodes = this.runningNodes();
        return {
          cpuPercent: runningNodes > 0 ? BUSY_CPU_PERCENT : IDLE_CPU_PERCENT,
          memoryPercent: 20,
          runningNodes,
          totalNodes: runningNodes,
        };
      },
      licensing: async (endpoint) => {
        reach(endpoint.baseUrl);
        return { ...LICENSED, nodesInUse: this.runningNodes() };
      },
      labs: async (endpoint) => {
        reach(endpoint.baseUrl);
        const runningNodes = this.runningNodes();
        return runningNodes > 0 ? [{ ...LAB, nodeCount: runningNodes }] : [];
      },
      activity: async (endpoint, since): Promise<CmlActivityEvent[]> => {
        reach(endpoint.baseUrl);
        return this.activitySince(since);
      },
      registerLicense: refused("license registration"),
      deregisterLicense: refused("license deregistration"),
      stopLab: refused("stopping labs"),
      forget: () => {},
    };
  }

  /**
   * What CML's audit would list since `since`: while people use the worker,
   * an action now; and the end of each stretch of use that passed while
   * CML was up (the person stopping the lab). Oldest first.
   */
  private activitySince(since: Date | null): CmlActivityEvent[] {
    if (!this.cmlReady()) {
      return [];
    }
    const nowMs = this.time.nowMillis();
    const sinceMs = Math.max(since?.getTime() ?? Number.NEGATIVE_INFINITY, this.readyAtMs);
    const current = this.segmentNow();
    const events: CmlActivityEvent[] = [];
    for (let index = this.cursor - 1; index >= 0; index--) {
      const segment = this.segments[index] as Segment;
      if (segment.toMs <= sinceMs) {
        break;
      }
      if (segment.toMs <= nowMs) {
        events.unshift({ category: "lab", at: new Date(segment.toMs), userId: "replay-user" });
      }
    }
    if (current !== null && nowMs > sinceMs) {
      events.push({ category: "lab", at: new Date(nowMs), userId: "replay-user" });
    }
    return events;
  }
}
