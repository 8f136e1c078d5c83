import { Ec2Error } from "../ec2/ec2-error";
import { checkTagCount, checkTagKey, checkTagValue } from "../ec2/tag-rules";
import { json } from "../http/http-types";
import type { SimState } from "../state/sim-state";
import { badRequest, type ControlRouteEntry, parseJsonText } from "./control-routes";
import { instanceView } from "./instance-view";

/** `{ "<key>": "<value>" | null }`: a string sets the key, null deletes it. */
function parseTagPatch(body: unknown): Map<string, string | null> | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return 'expected a JSON object of tags, e.g. {"owner": "bob", "course": null} (null deletes the key)';
  }
  const patch = new Map<string, string | null>();
  for (const [key, value] of Object.entries(body)) {
    if (value !== null && typeof value !== "string") {
      return `tag ${key}: a string sets it, null deletes it`;
    }
    patch.set(key, value);
  }
  return patch;
}

/**
 * `PATCH /_sim/instances/{id}/tags`: changes an instance's tags behind the
 * fleet's back, as someone in the AWS console would, with EC2's own checks
 * (key and value lengths, no `aws:` keys, 50 tags); a refused change changes
 * nothing (400 with EC2's code and message). Answers with the instance.
 */
export function tagControlRoutes(state: SimState): ControlRouteEntry[] {
  return [
    {
      method: "PATCH",
      pattern: /^\/_sim\/instances\/(i-[0-9a-f]+)\/tags$/,
      route: (request, match) => {
        const instance = state.store.get(match[1] ?? "");
        if (!instance) {
          return json(404, { error: "no such instance" });
        }
        const patch = parseTagPatch(parseJsonText(request.body));
        if (typeof patch === "string") {
          return badRequest(patch);
        }
        try {
          for (const [key, value] of patch) {
            checkTagKey(key);
            checkTagValue(key, value ?? "");
          }
          const added = [...patch].flatMap(([key, value]) => (value === null ? [] : [key]));
          const kept = new Map([...instance.tags].filter(([key]) => patch.get(key) !== null));
          checkTagCount(kept, added, instance.instanceId);
        } catch (error) {
          if (error instanceof Ec2Error) {
            return json(400, { error: error.message, code: error.code });
          }
          throw error;
        }
        for (const [key, value] of patch) {
          if (value === null) {
            state.store.deleteTag(instance, key);
          } else {
            state.store.setTag(instance, key, value);
          }
        }
        return json(200, instanceView(instance));
      },
    },
  ];
}
