import { isSimRegion, SIM_IMAGES, SIM_INSTANCE_TYPES, SIM_REGIONS } from "../catalog";
import type { LaunchSpec } from "../state/launch";
import { isJsonObject } from "./patch-fields";

/** Each running instance holds a listening socket; 10,000 fits the open-file limit with room to spare. */
export const MAX_CONTROL_LAUNCH = 10_000;
const DEFAULT_INSTANCE_TYPE = "m5zn.metal";

/**
 * Parses `POST /_sim/instances` ({ region, tags, instanceType, imageId?, count?, accountId?, detailedMonitoring? });
 * a string is an error message. A null `accountId` means the simulator's default account.
 */
export function parseLaunchRequest(
  body: unknown,
): { spec: LaunchSpec; count: number | null; accountId: string | null } | string {
  if (!isJsonObject(body)) {
    return "body must be a JSON object";
  }
  const region = body.region ?? "us-east-1";
  if (typeof region !== "string" || !isSimRegion(region)) {
    return `region must be one of ${SIM_REGIONS.join(", ")}`;
  }
  const instanceType = body.instanceType ?? DEFAULT_INSTANCE_TYPE;
  if (typeof instanceType !== "string" || !(instanceType in SIM_INSTANCE_TYPES)) {
    return `instanceType must be one of ${Object.keys(SIM_INSTANCE_TYPES).join(", ")}`;
  }
  const images = SIM_IMAGES[region];
  const imageId = body.imageId ?? images[images.length - 1]?.imageId;
  if (typeof imageId !== "string" || !images.some((image) => image.imageId === imageId)) {
    return `imageId must be one of ${images.map((image) => image.imageId).join(", ")}`;
  }
  const tags = new Map<string, string>();
  if (body.tags !== undefined) {
    if (!isJsonObject(body.tags)) {
      return "tags must be an object of strings";
    }
    for (const [key, value] of Object.entries(body.tags)) {
      if (typeof value !== "string") {
        return `tag '${key}' must be a string`;
      }
      tags.set(key, value);
    }
  }
  const count = body.count ?? null;
  if (
    count !== null &&
    (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > MAX_CONTROL_LAUNCH)
  ) {
    return `count must be an integer in 1..${MAX_CONTROL_LAUNCH}`;
  }
  const accountId = body.accountId ?? null;
  if (accountId !== null && (typeof accountId !== "string" || !/^\d{12}$/.test(accountId))) {
    return "accountId must be a 12-digit AWS account id";
  }
  const detailedMonitoring = body.detailedMonitoring ?? false;
  if (typeof detailedMonitoring !== "boolean") {
    return "detailedMonitoring must be a boolean";
  }
  return {
    accountId,
    spec: {
      region,
      imageId,
      instanceType,
      tags,
      clientToken: null,
      keyName: null,
      subnetId: null,
      securityGroupIds: [],
      assignPublicIp: true,
      detailedMonitoring,
    },
    count,
  };
}
