import type { InstanceStore } from "./instance-store";
import type { SimState } from "./sim-state";

/** The store's public surface, which a scoped view also offers. */
export type InstanceStoreApi = { [K in keyof InstanceStore]: InstanceStore[K] };

/**
 * The store as one account sees it: lookups, listings and tag searches hold
 * only the instances that account owns (another account's instance is
 * unknown to it, as in AWS); writes and the launch counter are shared, since
 * every account's instances live in the one store.
 */
export function accountStore(store: InstanceStoreApi, accountId: string): InstanceStoreApi {
  const owned = <T extends { readonly ownerId: string }>(instance: T | undefined): T | undefined =>
    instance !== undefined && instance.ownerId === accountId ? instance : undefined;
  return {
    get size() {
      return store.size;
    },
    nextSeq: () => store.nextSeq(),
    continueSeqAfter: (seq) => store.continueSeqAfter(seq),
    get: (instanceId) => owned(store.get(instanceId)),
    all: () => store.all().filter((instance) => instance.ownerId === accountId),
    add: (instance) => store.add(instance),
    remove: (instance) => store.remove(instance),
    *inRegion(region, afterSeq) {
      for (const instance of store.inRegion(region, afterSeq)) {
        if (instance.ownerId === accountId) {
          yield instance;
        }
      }
    },
    withTag: (region, key, values) =>
      store.withTag(region, key, values).filter((instance) => instance.ownerId === accountId),
    reservation: (reservationId) =>
      store.reservation(reservationId).filter((instance) => instance.ownerId === accountId),
    setTag: (instance, key, value) => store.setTag(instance, key, value),
    deleteTag: (instance, key) => store.deleteTag(instance, key),
    // Client tokens are per account as in AWS: the same token in two accounts launches two instances.
    clientToken: (region, token) => store.clientToken(`${accountId}/${region}`, token),
    rememberClientToken: (region, token, entry) =>
      store.rememberClientToken(`${accountId}/${region}`, token, entry),
    clientTokenEntries: () => store.clientTokenEntries(),
  };
}

/** The state a request of `accountId` works on: its own instances, and launches owned by it. */
export function accountState(state: SimState, accountId: string): SimState {
  // The default account is scoped too: it must not see the instances of the others.
  return {
    get faults() {
      return state.faults;
    },
    set faults(faults) {
      state.faults = faults;
    },
    store: accountStore(state.store, accountId),
    lifecycle: state.lifecycle,
    ips: state.ips,
    stats: state.stats,
    now: state.now,
    accountId,
    statusCheckDelayMs: state.statusCheckDelayMs,
    ebs: state.ebs,
  };
}
