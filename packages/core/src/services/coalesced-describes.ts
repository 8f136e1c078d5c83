import type { CloudInstance, CloudProvider, CloudTarget } from "../ports/cloud-provider.port";
import { DESCRIBE_IDS_PER_CALL } from "./cloud-call-pacing";
import { delegateCloud } from "./cloud-provider-delegate";
import { currentJobDeadline, jobStopError, outsideJobDeadline } from "./poll";

/**
 * How long the first look waits for others before its region's batch goes:
 * long enough for the steps that woke together to join, short next to an EC2 call.
 */
export const DESCRIBE_WINDOW_MS = 5;

export interface CoalescingOptions {
  readonly windowMs?: number | undefined;
  /** Ids one describeMany of a batch asks for (default DESCRIBE_IDS_PER_CALL: one DescribeInstances). */
  readonly idsPerCall?: number | undefined;
}

/** One caller of `describe`, until its answer comes or its job stops it. */
interface Waiter {
  settled: boolean;
  readonly resolve: (instance: CloudInstance | null) => void;
  readonly reject: (error: unknown) => void;
}

/** The looks of one account and region: those waiting for the next batch, and whether one is out. */
interface RegionBatches {
  readonly target: CloudTarget;
  pending: Map<string, Waiter[]>;
  scheduled: boolean;
  inFlight: boolean;
}

/**
 * EC2 filter values are patterns: an id with a wildcard would match other
 * instances. No instance id has one, so such an id is answered "not known"
 * without asking (a lone filter look would have returned whichever instance matched).
 */
const WILDCARD = /[*?]/;

/**
 * The port with `describe` coalesced per account and region: the looks made
 * while a batch gathers (DESCRIBE_WINDOW_MS) or while the region's last batch
 * is still out become one `describeMany` (one DescribeInstances for up to
 * DESCRIBE_IDS_PER_CALL ids, more ids being more calls at once). So a
 * thousand workers waiting to boot cost a few calls a second, not a thousand.
 *
 * Each caller gets what a lone describe answers: its instance, or null when
 * EC2 does not know it (the batch asks by filter, where an unknown id matches
 * nothing instead of failing the call for everyone). An error of a batch's
 * call reaches every caller in it. A caller inside a job is released with the
 * job's stop error as soon as its bound passes; the batch goes on for the
 * others, outside any one caller's bound. The other methods are passed on.
 */
export function coalescedDescribes(cloud: CloudProvider, options: CoalescingOptions = {}): CloudProvider {
  const windowMs = options.windowMs ?? DESCRIBE_WINDOW_MS;
  const idsPerCall = options.idsPerCall ?? DESCRIBE_IDS_PER_CALL;
  const regions = new Map<string, RegionBatches>();

  function regionOf(target: CloudTarget): RegionBatches {
    const key = JSON.stringify([target.accountId, target.region]);
    let region = regions.get(key);
    if (region === undefined) {
      region = {
        target: { accountId: target.accountId, region: target.region },
        pending: new Map(),
        scheduled: false,
        inFlight: false,
      };
      regions.set(key, region);
    }
    return region;
  }

  /** The next batch goes after the window, and never while the region's last one is still out. */
  function schedule(region: RegionBatches): void {
    if (region.scheduled || region.inFlight || region.pending.size === 0) {
      return;
    }
    region.scheduled = true;
    // The timer keeps no caller's job context: the batch serves every caller in it.
    outsideJobDeadline(() =>
      setTimeout(() => {
        region.scheduled = false;
        void send(region);
      }, windowMs),
    );
  }

  async function send(region: RegionBatches): Promise<void> {
    const batch = region.pending;
    region.pending = new Map();
    // Ids whose callers have all been stopped by their jobs are not asked for.
    const ids = [...batch]
      .filter(([, waiters]) => waiters.some((waiter) => !waiter.settled))
      .map(([instanceId]) => instanceId);
    region.inFlight = true;
    try {
      const calls = [];
      for (let start = 0; start < ids.length; start += idsPerCall) {
        calls.push(answer(region.target, ids.slice(start, start + idsPerCall), batch));
      }
      await Promise.all(calls);
    } finally {
      region.inFlight = false;
      schedule(region);
    }
  }

  async function answer(
    target: CloudTarget,
    ids: readonly string[],
    batch: ReadonlyMap<string, readonly Waiter[]>,
  ): Promise<void> {
    try {
      const found = new Map((await cloud.describeMany(target, ids)).map((i) => [i.instanceId, i]));
      for (const instanceId of ids) {
        for (const waiter of batch.get(instanceId) ?? []) {
          waiter.resolve(found.get(instanceId) ?? null);
        }
      }
    } catch (error) {
      for (const instanceId of ids) {
        for (const waiter of batch.get(instanceId) ?? []) {
          waiter.reject(error);
        }
      }
    }
  }

  return {
    ...delegateCloud(cloud),
    describe(target, instanceId) {
      const job = currentJobDeadline();
      if (job?.signal.aborted === true) {
        return Promise.reject(jobStopError(job));
      }
      if (WILDCARD.test(instanceId)) {
        return Promise.resolve(null);
      }
      return new Promise<CloudInstance | null>((resolve, reject) => {
        const waiter: Waiter = {
          settled: false,
          resolve: (instance) => {
            if (settle()) {
              resolve(instance);
            }
          },
          reject: (error) => {
            if (settle()) {
              reject(error);
            }
          },
        };
        function onAbort(): void {
          if (job !== null) {
            waiter.reject(jobStopError(job));
          }
        }
        /** The first answer wins: a batch's answer after the job stopped the caller goes nowhere. */
        function settle(): boolean {
          if (waiter.settled) {
            return false;
          }
          waiter.settled = true;
          job?.signal.removeEventListener("abort", onAbort);
          return true;
        }
        job?.signal.addEventListener("abort", onAbort, { once: true });
        const region = regionOf(target);
        const waiters = region.pending.get(instanceId);
        if (waiters === undefined) {
          region.pending.set(instanceId, [waiter]);
        } else {
          waiters.push(waiter);
        }
        schedule(region);
      });
    },
  };
}
