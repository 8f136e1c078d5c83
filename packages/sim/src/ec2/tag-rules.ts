import { Ec2Error, ec2Errors } from "./ec2-error";

/** EC2's limits on instance tags. Keys starting with `aws:` do not count towards the 50 (EC2 sets them itself). */
export const TAG_LIMITS = { perResource: 50, keyLength: 128, valueLength: 256 } as const;

export function isAwsReservedKey(key: string): boolean {
  return key.toLowerCase().startsWith("aws:");
}

/** A key as EC2 checks it in CreateTags and DeleteTags: not empty, at most 128 characters, not `aws:`. */
export function checkTagKey(key: string): void {
  if (key.length === 0) {
    throw ec2Errors.invalidParameter("Tag key cannot be empty");
  }
  if (key.length > TAG_LIMITS.keyLength) {
    throw ec2Errors.invalidParameter(
      `Tag key exceeds the maximum length of ${TAG_LIMITS.keyLength} characters: '${key.slice(0, 32)}...'`,
    );
  }
  if (isAwsReservedKey(key)) {
    throw ec2Errors.invalidParameter("Tag keys starting with 'aws:' are reserved for internal use");
  }
}

export function checkTagValue(key: string, value: string): void {
  if (value.length > TAG_LIMITS.valueLength) {
    throw ec2Errors.invalidParameter(
      `Tag value exceeds the maximum length of ${TAG_LIMITS.valueLength} characters (key '${key}')`,
    );
  }
}

/**
 * Refuses, before anything changes, a write that would leave a resource with
 * more than 50 tags of its own, as EC2 does (`TagLimitExceeded`): a request
 * fails whole or applies whole.
 */
export function checkTagCount(
  current: ReadonlyMap<string, string>,
  added: Iterable<string>,
  id: string,
): void {
  const keys = new Set([...current.keys(), ...added]);
  const counted = [...keys].filter((key) => !isAwsReservedKey(key)).length;
  if (counted > TAG_LIMITS.perResource) {
    throw new Ec2Error(
      "TagLimitExceeded",
      `The maximum number of tags per resource is ${TAG_LIMITS.perResource}; '${id}' would have ${counted}`,
    );
  }
}
