import { ValidationError } from "../errors";
import { checkText, rejectUnsafeCharacters } from "./input-text";
import type { Tags } from "./worker";
import { isProtectedTagKey } from "./worker-tags";

/**
 * AWS allows 50 tags per instance; the fleet itself sets `Name`, three
 * `cml-fleet:` tags at launch and three more recording the last action.
 */
export const MAX_USER_TAGS = 43;

/** What the checks read of the fleet's settings; `Settings` satisfies it. */
export interface WorkerInputSettings {
  readonly aws: { readonly allowedRegions: readonly string[] };
  readonly worker: {
    readonly images: Readonly<Record<string, unknown>>;
    readonly defaultInstanceType: string;
    readonly allowedInstanceTypes: readonly string[];
  };
}

export interface TagPair {
  readonly key: string;
  readonly value: string;
}

/** A worker name: the EC2 Name tag and what people type in the TUI, so short and plain. */
export function validateWorkerName(name: string, field = "name"): string {
  // Surrounding spaces are forgiven; a tab or newline is not (checked before trimming would hide it).
  rejectUnsafeCharacters(field, name);
  return checkText("workerName", field, name.trim());
}

/**
 * A worker's owner as given: surrounding spaces forgiven, blank or null means
 * nobody; anything else must be an identity (`ownerName`).
 */
export function validateOwner(owner: string | null | undefined, field = "owner"): string | null {
  if (owner === null || owner === undefined) {
    return null;
  }
  rejectUnsafeCharacters(field, owner);
  const trimmed = owner.trim();
  return trimmed === "" ? null : checkText("ownerName", field, trimmed);
}

/** A region must be both allowed and configured (it needs an AMI to launch from). */
export function validateRegion(settings: WorkerInputSettings, region: string, field = "region"): string {
  checkText("region", field, region);
  if (!settings.aws.allowedRegions.includes(region)) {
    throw new ValidationError(
      field,
      `${region} is not an allowed region (allowed: ${settings.aws.allowedRegions.join(", ")})`,
    );
  }
  if (settings.worker.images[region] === undefined) {
    throw new ValidationError(field, `${region} has no CML AMI configured (set CML_WORKER_AMI_CONFIG)`);
  }
  return region;
}

export function validateInstanceType(
  settings: WorkerInputSettings,
  instanceType: string | null | undefined,
  field = "instanceType",
): string {
  const chosen =
    instanceType === null || instanceType === undefined
      ? settings.worker.defaultInstanceType
      : checkText("instanceType", field, instanceType);
  if (!settings.worker.allowedInstanceTypes.includes(chosen)) {
    throw new ValidationError(
      field,
      `${chosen} is not allowed (allowed: ${settings.worker.allowedInstanceTypes.join(", ")})`,
    );
  }
  return chosen;
}

export function validateAmiId(amiId: string, field = "amiId"): string {
  return checkText("amiId", field, amiId);
}

export function validateIdempotencyKey(key: string, field = "idempotencyKey"): string {
  return checkText("idempotencyKey", field, key);
}

/**
 * User tags within EC2's limits, and away from the keys the fleet manages
 * itself. `field` names the argument in refusals, e.g. `tags[2].key`.
 */
export function validateTags(pairs: readonly TagPair[], field = "tags"): Tags {
  if (pairs.length > MAX_USER_TAGS) {
    throw new ValidationError(
      field,
      `at most ${MAX_USER_TAGS} tags (the fleet uses the other 7 of EC2's 50)`,
    );
  }
  const tags: Record<string, string> = {};
  for (const [index, { key, value }] of pairs.entries()) {
    checkText("tagKey", `${field}[${index}].key`, key);
    checkText("tagValue", `${field}[${index}].value`, value);
    if (isProtectedTagKey(key)) {
      throw new ValidationError(
        `${field}[${index}].key`,
        `"${key}" is managed by the fleet and cannot be set or removed (Name, aws:* and cml-fleet:* are the fleet's own)`,
      );
    }
    if (Object.hasOwn(tags, key)) {
      throw new ValidationError(`${field}[${index}].key`, "appears twice");
    }
    tags[key] = value;
  }
  return tags;
}
