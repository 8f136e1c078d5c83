import {
  DescribeInstanceStatusCommand,
  type DescribeInstanceStatusCommandInput,
  type InstanceStatus,
} from "@aws-sdk/client-ec2";
import { CloudError } from "../../errors";
import type { CloudTarget, InstanceStatusCheck } from "../../ports/cloud-provider.port";
import type { AwsClientCache } from "./aws-client-cache";
import { callAws } from "./aws-error-mapping";
import { chunk, collectPages } from "./batching";
import { parseInstanceState } from "./ec2-instance-mapper";

/** DescribeInstanceStatus takes at most 100 explicit ids, or pages 1000 at a time without ids. */
export const STATUS_IDS_PER_CALL = 100;
export const STATUS_PAGE_SIZE = 1000;

export interface Ec2StatusChecksDeps {
  readonly clients: AwsClientCache;
  /** Up to this many ids are asked by id; more are found by paging the region. */
  readonly byIdLimit: number;
}

function toStatusCheck(status: InstanceStatus): InstanceStatusCheck | null {
  if (status.InstanceId === undefined) {
    return null;
  }
  return {
    instanceId: status.InstanceId,
    state: parseInstanceState(status.InstanceState?.Name, status.InstanceId),
    instanceStatus: status.InstanceStatus?.Status ?? "not-applicable",
    systemStatus: status.SystemStatus?.Status ?? "not-applicable",
  };
}

/**
 * Status checks for the given instances, the cheapest correct way.
 *
 * DescribeInstanceStatus has no tag or instance-id filter, and explicit ids
 * (at most 100 a call) fail the whole call when one is unknown. So:
 * - up to `byIdLimit` ids: ask by id, ceil(N / 100) calls; if EC2 does not
 *   know one of them, fall back to paging;
 * - more: page through the region's instances, 1000 a call, keep the
 *   requested ones and stop as soon as all were seen. That costs
 *   ceil(instances in the region / 1000) calls, which beats ceil(N / 100)
 *   unless the region holds more than ten times as many other instances.
 */
export async function statusChecks(
  deps: Ec2StatusChecksDeps,
  target: CloudTarget,
  instanceIds: readonly string[],
): Promise<InstanceStatusCheck[]> {
  const wanted = new Set(instanceIds);
  if (wanted.size === 0) {
    return [];
  }
  if (wanted.size <= deps.byIdLimit) {
    try {
      return await statusChecksById(deps, target, [...wanted]);
    } catch (error) {
      if (!(error instanceof CloudError && error.kind === "not-found")) {
        throw error;
      }
    }
  }
  return statusChecksByPaging(deps, target, wanted);
}

async function statusChecksById(
  deps: Ec2StatusChecksDeps,
  target: CloudTarget,
  ids: string[],
): Promise<InstanceStatusCheck[]> {
  const client = deps.clients.ec2(target);
  const checks: InstanceStatusCheck[] = [];
  for (const InstanceIds of chunk(ids, STATUS_IDS_PER_CALL)) {
    const output = await callAws("ec2", () =>
      client.send(new DescribeInstanceStatusCommand({ InstanceIds, IncludeAllInstances: true })),
    );
    for (const status of output.InstanceStatuses ?? []) {
      const check = toStatusCheck(status);
      if (check !== null) {
        checks.push(check);
      }
    }
  }
  return checks;
}

async function statusChecksByPaging(
  deps: Ec2StatusChecksDeps,
  target: CloudTarget,
  wanted: ReadonlySet<string>,
): Promise<InstanceStatusCheck[]> {
  const client = deps.clients.ec2(target);
  const found = new Map<string, InstanceStatusCheck>();
  await collectPages(
    (NextToken) => {
      const input: DescribeInstanceStatusCommandInput = {
        IncludeAllInstances: true,
        MaxResults: STATUS_PAGE_SIZE,
        NextToken,
      };
      return callAws("ec2", () => client.send(new DescribeInstanceStatusCommand(input)));
    },
    (page) => {
      for (const status of page.InstanceStatuses ?? []) {
        if (status.InstanceId !== undefined && wanted.has(status.InstanceId)) {
          const check = toStatusCheck(status);
          if (check !== null) {
            found.set(check.instanceId, check);
          }
        }
      }
      return found.size === wanted.size;
    },
  );
  return [...found.values()];
}
