import type { z } from "zod";
import type { CmlActivityEvent, CmlEndpoint } from "../../ports/cml-client.port";
import { telemetryEventsSchema } from "./cml-schemas";
import type { CmlSessions } from "./cml-session";

/** Events that mean a person did something on the worker. */
export const USER_INTENT_CATEGORIES: ReadonlySet<string> = new Set([
  "start_lab",
  "stop_lab",
  "wipe_lab",
  "import_lab",
  "export_lab",
  "start_node",
  "stop_node",
  "queue_node",
  "boot_node",
  "user_activity",
]);

/** CML writes timestamps as ISO without a zone, meaning UTC. */
export function parseCmlTimestamp(value: string): Date | null {
  const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * User-intent events after `since`, oldest first, without the fleet's own
 * service account (its polling shows up as `user_activity` and would make
 * every worker look busy).
 */
export function userActivity(
  events: z.infer<typeof telemetryEventsSchema>,
  ownUserId: string,
  since: Date | null,
): CmlActivityEvent[] {
  const activity: CmlActivityEvent[] = [];
  for (const event of events) {
    if (!USER_INTENT_CATEGORIES.has(event.category)) {
      continue;
    }
    const rawUser = event.data?.user_id;
    const userId = rawUser === undefined || rawUser === null ? null : String(rawUser);
    if (userId === ownUserId) {
      continue;
    }
    const at = parseCmlTimestamp(event.timestamp);
    if (at === null || (since !== null && at.getTime() <= since.getTime())) {
      continue;
    }
    activity.push({ category: event.category, at, userId });
  }
  return activity.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export async function activity(
  sessions: CmlSessions,
  endpoint: CmlEndpoint,
  since: Date | null,
): Promise<CmlActivityEvent[]> {
  const events = await sessions.get(endpoint, "/telemetry/events", telemetryEventsSchema);
  return userActivity(events, await sessions.userId(endpoint), since);
}
