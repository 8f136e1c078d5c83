import type { CloudTarget } from "./cloud-provider.port";

/**
 * EC2's throttling buckets the fleet paces its own calls to, per account and
 * region: RunInstances draws on its own ("resource-intensive"), Start, Stop,
 * Terminate and RebootInstances on the mutating one, DescribeInstances and
 * DescribeInstanceStatus on the non-mutating one.
 */
export type CloudCallBucket = "run-instances" | "mutating" | "non-mutating";

/**
 * A token bucket per account, region and call kind, shared by every process
 * that calls EC2 for the fleet, so the fleet as a whole stays under the
 * rates EC2 grants and a burst of requests waits instead of being refused.
 */
export interface CloudCallPacer {
  /**
   * Reserves the next token of `bucket` for `target`. Resolves to 0 when the
   * call may go now; otherwise to the milliseconds until the reserved token
   * is due: the caller makes the call then, without asking again (the token
   * is already its own), and meanwhile waits without holding anything.
   */
  reserve(bucket: CloudCallBucket, target: CloudTarget): Promise<number>;
}

/** No pacing: every call may go at once (tests of a service alone; the SDK's adaptive retry still backs off). */
export const unpacedCloudCalls: CloudCallPacer = { reserve: async () => 0 };
