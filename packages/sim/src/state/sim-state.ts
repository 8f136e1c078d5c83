import type { Faults } from "../faults";
import type { CallStats } from "../stats";
import type { InstanceStore } from "./instance-store";
import type { IpAllocator } from "./ip-allocator";
import type { Lifecycle } from "./lifecycle";

/** The simulated account's shared state, handed to every protocol handler. */
export interface SimState {
  readonly store: InstanceStore;
  readonly lifecycle: Lifecycle;
  readonly ips: IpAllocator;
  readonly stats: CallStats;
  readonly now: () => number;
  /** The simulated AWS account id (owner of reservations and images). */
  readonly accountId: string;
  /** How long after entering `running` the EC2 status checks stay `initializing`. */
  readonly statusCheckDelayMs: number;
  faults: Faults;
}
