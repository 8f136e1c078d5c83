import type { SimInstance } from "../state/instance";

/** The statuses EC2 reports for a status check. */
export const CHECK_STATUSES = [
  "ok",
  "impaired",
  "insufficient-data",
  "not-applicable",
  "initializing",
] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export interface StatusCheckOverride {
  readonly system?: CheckStatus | undefined;
  readonly instance?: CheckStatus | undefined;
}

/**
 * Status checks forced through the control API (`PATCH /_sim/instances/{id}`),
 * per instance, until a reboot clears them (or the control API hands them back). Kept beside the
 * instance rather than on it: only DescribeInstanceStatus and RebootInstances
 * read them, and a snapshot does not carry them (a restored instance boots afresh).
 */
const overrides = new WeakMap<SimInstance, StatusCheckOverride>();

export function statusCheckOverride(instance: SimInstance): StatusCheckOverride {
  return overrides.get(instance) ?? {};
}

/** Merges `patch` into the instance's forced checks; a null value hands that check back to the boot delay. */
export function overrideStatusChecks(
  instance: SimInstance,
  patch: { readonly system?: CheckStatus | null; readonly instance?: CheckStatus | null },
): StatusCheckOverride {
  const current = statusCheckOverride(instance);
  const next: StatusCheckOverride = {
    system: patch.system === undefined ? current.system : (patch.system ?? undefined),
    instance: patch.instance === undefined ? current.instance : (patch.instance ?? undefined),
  };
  overrides.set(instance, next);
  return next;
}

export function clearStatusCheckOverride(instance: SimInstance): void {
  overrides.delete(instance);
}

export function isCheckStatus(value: unknown): value is CheckStatus {
  return typeof value === "string" && (CHECK_STATUSES as readonly string[]).includes(value);
}
