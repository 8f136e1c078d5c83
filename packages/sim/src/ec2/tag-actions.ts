import type { Ec2Action } from "./ec2-action";
import { ec2Errors } from "./ec2-error";
import { lookupInstances } from "./instance-lookup";
import { type QueryParams, readTags } from "./query-params";
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

export const createTags: Ec2Action = (params, region, state) => {
  const instances = lookupInstances(state, region, resourceIds(params));
  const tags = readTags(params, "Tag");
  if (tags.length === 0) {
    throw ec2Errors.missingParameter("Tag");
  }
  for (const { key } of tags) {
    if (key.toLowerCase().startsWith("aws:")) {
      throw ec2Errors.invalidParameter("Tag keys starting with 'aws:' are reserved for internal use");
    }
  }
  for (const instance of instances) {
    for (const { key, value } of tags) {
      state.store.setTag(instance, key, value ?? "");
    }
  }
  return [el("return", true)];
};

export const deleteTags: Ec2Action = (params, region, state) => {
  const instances = lookupInstances(state, region, resourceIds(params));
  const tags = readTags(params, "Tag");
  for (const instance of instances) {
    // No Tag.N at all deletes every tag, as on EC2; a given value deletes only on a match.
    const targets =
      tags.length > 0 ? tags : [...instance.tags.keys()].map((key) => ({ key, value: undefined }));
    for (const { key, value } of targets) {
      if (value === undefined || instance.tags.get(key) === value) {
        state.store.deleteTag(instance, key);
      }
    }
  }
  return [el("return", true)];
};
