import type { EbsState } from "../ebs/ebs-snapshot";
import type { Faults } from "../faults";
import type { CallStats } from "../stats";
import type { InstanceStoreApi } from "./account-scope";
import type { IpAllocator } from "./ip-allocator";
import type { Lifecycle } from "./lifecycle";

/** The simulated account's shared state, handed to every protocol handler. */
export interface SimState {
  /** Every account's instances; a request's state (see account-scope.ts) sees only its account's. */
  readonly store: InstanceStoreApi;
  readonly lifecycle: Lifecycle;
  readonly ips: IpAllocator;
  readonly stats: CallStats;
  readonly now: () => number;
  /** The AWS account id: the default account's in the root state, the caller's in a request's. */
  readonly accountId: string;
  /** How long after entering `running` the EC2 status checks stay `initializing`. */
  readonly statusCheckDelayMs: number;
  /** EBS snapshots of every account (each action looks up its caller's account and region). */
  readonly ebs: EbsState;
  faults: Faults;
}
