import type { CloudCallBucket, CloudCallPacer } from "../ports/cloud-call-pacer.port";
import type { CloudProvider, CloudTarget } from "../ports/cloud-provider.port";
import { delegateCloud } from "./cloud-provider-delegate";
import { type Sleep, sleepWithinCurrentJob } from "./poll";

/**
 * Instance ids one DescribeInstances asks for: EC2 takes at most 200 values
 * in one filter, and the AWS adapter asks by the `instance-id` filter (an
 * unknown explicit id would fail the whole call), chunking longer lists.
 */
export const DESCRIBE_IDS_PER_CALL = 200;

export interface CloudCallPacingDeps {
  readonly pacer: CloudCallPacer;
  readonly sleep: Sleep;
}

/**
 * The port with the job process's EC2 calls paced by `pacer`, the same token
 * buckets per account and region as RunInstances: Stop, Terminate and
 * RebootInstances take a token of the mutating bucket, the describes one of
 * the non-mutating bucket (one per DescribeInstances of a `describeMany`, whose
 * ids it asks for in calls of DESCRIBE_IDS_PER_CALL; one per `describeFleet`
 * and `statusChecks`, which page inside the adapter: the sweep calls them once
 * per region, so their later pages are left to the SDK's adaptive retry).
 * A call that finds its bucket empty waits for its reserved token in place,
 * bounded by its job. Launch and StartInstances are not paced here: their
 * services reserve their tokens themselves, between job steps, so a job that
 * waits for one does not hold its slot.
 */
export function pacedCloudProvider(cloud: CloudProvider, deps: CloudCallPacingDeps): CloudProvider {
  async function paced<T>(bucket: CloudCallBucket, target: CloudTarget, call: () => Promise<T>): Promise<T> {
    const waitMs = await deps.pacer.reserve(bucket, target);
    if (waitMs > 0) {
      await sleepWithinCurrentJob(deps.sleep, waitMs);
    }
    return call();
  }

  return {
    ...delegateCloud(cloud),
    stop: (target, instanceId) => paced("mutating", target, () => cloud.stop(target, instanceId)),
    terminate: (target, instanceId) => paced("mutating", target, () => cloud.terminate(target, instanceId)),
    reboot: (target, instanceId) => paced("mutating", target, () => cloud.reboot(target, instanceId)),
    describe: (target, instanceId) => paced("non-mutating", target, () => cloud.describe(target, instanceId)),
    describeFleet: (target) => paced("non-mutating", target, () => cloud.describeFleet(target)),
    statusChecks: (target, instanceIds) =>
      paced("non-mutating", target, () => cloud.statusChecks(target, instanceIds)),
    async describeMany(target, instanceIds) {
      const unique = [...new Set(instanceIds)];
      const found = [];
      for (let start = 0; start < unique.length; start += DESCRIBE_IDS_PER_CALL) {
        const ids = unique.slice(start, start + DESCRIBE_IDS_PER_CALL);
        found.push(...(await paced("non-mutating", target, () => cloud.describeMany(target, ids))));
      }
      return found;
    },
  };
}
