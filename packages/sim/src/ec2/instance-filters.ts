import type { SimInstance } from "../state/instance";
import { ec2Errors } from "./ec2-error";
import { type Filter, wildcardMatcher } from "./query-params";

export type InstancePredicate = (instance: SimInstance) => boolean;

/** The DescribeInstances filters the simulator supports; any other name is refused as EC2 refuses unknown ones. */
export function instanceFilter(
  filters: readonly Filter[],
  supported?: ReadonlySet<string>,
): InstancePredicate {
  const predicates = filters.map((filter) => {
    if (supported && !supported.has(filter.name) && !filter.name.startsWith("tag:")) {
      throw ec2Errors.invalidParameter(`The filter '${filter.name}' is invalid`);
    }
    return filterPredicate(filter);
  });
  return (instance) => predicates.every((predicate) => predicate(instance));
}

function filterPredicate(filter: Filter): InstancePredicate {
  const matchers = filter.values.map(wildcardMatcher);
  const anyValue = (value: string | undefined) =>
    value !== undefined && matchers.some((match) => match(value));
  if (filter.name.startsWith("tag:")) {
    const key = filter.name.slice("tag:".length);
    return (instance) => anyValue(instance.tags.get(key));
  }
  switch (filter.name) {
    case "tag-key":
      return (instance) => [...instance.tags.keys()].some((key) => anyValue(key));
    case "instance-state-name":
      return (instance) => anyValue(instance.state);
    case "instance-id":
      return (instance) => anyValue(instance.instanceId);
    case "instance-type":
      return (instance) => anyValue(instance.instanceType);
    case "image-id":
      return (instance) => anyValue(instance.imageId);
    case "availability-zone":
      return (instance) => anyValue(instance.availabilityZone);
    default:
      throw ec2Errors.invalidParameter(`The filter '${filter.name}' is invalid`);
  }
}

/** The most selective exact tag filter, to start from the tag index instead of the whole region. */
export function indexableTagFilter(
  filters: readonly Filter[],
): { key: string; values: Set<string> } | undefined {
  for (const filter of filters) {
    if (filter.name.startsWith("tag:") && filter.values.every((value) => !/[*?]/.test(value))) {
      return { key: filter.name.slice("tag:".length), values: new Set(filter.values) };
    }
  }
  return undefined;
}
