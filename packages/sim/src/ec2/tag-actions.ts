import type { Ec2Action } from "./ec2-action";
import { ec2Errors } from "./ec2-error";
import { lookupInstances } from "./instance-lookup";
import { type QueryParams, readTags } from "./query-params";
import { checkTagCount, checkTagKey, checkTagValue } from "./tag-rules";
import { el } from "./xml";

function resourceIds(params: QueryParams): string[] {
  const ids = params.list("ResourceId");
  if (ids.length === 0) {
    throw ec2Errors.missingParameter("ResourceId");
  }
  const other = ids.find((id) => !id.startsWith("i-"));
  if (other) {
    throw ec2Errors.invalidParameter(`The simulator tags instances only; '${other}' is not an instance id`);
  }
  return ids;
}

/**
 * Adds or overwrites tags. Like EC2, every key, value and resource is checked
 * first (128-character keys, 256-character values, no `aws:` keys, at most 50
 * tags a resource), so a refused request changes nothing.
 */
export const createTags: Ec2Action = (params, region, state) => {
  const instances = lookupInstances(state, region, resourceIds(params));
  const tags = readTags(params, "Tag");
  if (tags.length === 0) {
    throw ec2Errors.missingParameter("Tag");
  }
  for (const { key, value } of tags) {
    checkTagKey(key);
    checkTagValue(key, value ?? "");
  }
  for (const instance of instances) {
    checkTagCount(
      instance.tags,
      tags.map(({ key }) => key),
      instance.instanceId,
    );
  }
  for (const instance of instances) {
    for (const { key, value } of tags) {
      state.store.setTag(instance, key, value ?? "");
    }
  }
  return [el("return", true)];
};

/**
 * Deletes tags: a key without a value whatever its value, a key with a value
 * only on a match (an empty value matches only an empty value), no Tag.N at
 * all every tag but EC2's own. Deleting a key the instance does not carry is
 * not an error. `aws:` keys are refused.
 */
export const deleteTags: Ec2Action = (params, region, state) => {
  const instances = lookupInstances(state, region, resourceIds(params));
  const tags = readTags(params, "Tag");
  for (const { key } of tags) {
    checkTagKey(key);
  }
  for (const instance of instances) {
    const targets =
      tags.length > 0
        ? tags
        : [...instance.tags.keys()]
            .filter((key) => !key.toLowerCase().startsWith("aws:"))
            .map((key) => ({ key, value: undefined }));
    for (const { key, value } of targets) {
      if (value === undefined || instance.tags.get(key) === value) {
        state.store.deleteTag(instance, key);
      }
    }
  }
  return [el("return", true)];
};
