import { ValidationError } from "../errors";
import type { Tags } from "./worker";

/** AWS allows 50 tags per instance; the fleet itself sets `Name` and three `cml-fleet:` tags. */
export const MAX_USER_TAGS = 46;
const TAG_KEY_MAX = 128;
const TAG_VALUE_MAX = 256;
/** The characters EC2 accepts in tag keys and values everywhere (letters, digits, spaces and _ . : / = + - @). */
const TAG_CHARACTERS = /^[\p{L}\p{N}\s_.:/=+\-@]*$/u;
const RESERVED_TAG_KEYS = new Set(["name"]);
const RESERVED_TAG_PREFIXES = ["aws:", "cml-fleet:"];

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const AMI_PATTERN = /^ami-[0-9a-f]{8,17}$/;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,64}$/;

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
export function validateWorkerName(name: string): string {
  const trimmed = name.trim();
  if (!NAME_PATTERN.test(trimmed)) {
    throw new ValidationError(
      "name",
      "must be 1-63 characters: letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
  }
  return trimmed;
}

/** A region must be both allowed and configured (it needs an AMI to launch from). */
export function validateRegion(settings: WorkerInputSettings, region: string): string {
  if (!settings.aws.allowedRegions.includes(region)) {
    throw new ValidationError(
      "region",
      `${region} is not an allowed region (allowed: ${settings.aws.allowedRegions.join(", ")})`,
    );
  }
  if (settings.worker.images[region] === undefined) {
    throw new ValidationError("region", `${region} has no CML AMI configured (set CML_WORKER_AMI_CONFIG)`);
  }
  return region;
}

export function validateInstanceType(
  settings: WorkerInputSettings,
  instanceType: string | null | undefined,
): string {
  const chosen = instanceType ?? settings.worker.defaultInstanceType;
  if (!settings.worker.allowedInstanceTypes.includes(chosen)) {
    throw new ValidationError(
      "instanceType",
      `${chosen} is not allowed (allowed: ${settings.worker.allowedInstanceTypes.join(", ")})`,
    );
  }
  return chosen;
}

export function validateAmiId(amiId: string): string {
  if (!AMI_PATTERN.test(amiId)) {
    throw new ValidationError("amiId", "must look like ami-0123456789abcdef0");
  }
  return amiId;
}

export function validateIdempotencyKey(key: string): string {
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new ValidationError("idempotencyKey", "must be 1-64 printable ASCII characters without spaces");
  }
  return key;
}

/** User tags within EC2's limits, and away from the keys the fleet manages itself. */
export function validateTags(pairs: readonly TagPair[]): Tags {
  if (pairs.length > MAX_USER_TAGS) {
    throw new ValidationError(
      "tags",
      `at most ${MAX_USER_TAGS} tags (the fleet uses the other 4 of EC2's 50)`,
    );
  }
  const tags: Record<string, string> = {};
  for (const { key, value } of pairs) {
    const field = `tags.${key}`;
    if (key.length === 0 || key.length > TAG_KEY_MAX) {
      throw new ValidationError(field, `a tag key must be 1-${TAG_KEY_MAX} characters`);
    }
    if (value.length > TAG_VALUE_MAX) {
      throw new ValidationError(field, `a tag value must be at most ${TAG_VALUE_MAX} characters`);
    }
    if (!TAG_CHARACTERS.test(key) || !TAG_CHARACTERS.test(value)) {
      throw new ValidationError(field, "tags may hold letters, digits, spaces and _ . : / = + - @ only");
    }
    const lower = key.toLowerCase();
    if (RESERVED_TAG_KEYS.has(lower) || RESERVED_TAG_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
      throw new ValidationError(field, "Name, aws: and cml-fleet: tags are managed by the fleet");
    }
    if (key in tags) {
      throw new ValidationError(field, "appears twice");
    }
    tags[key] = value;
  }
  return tags;
}
