import { useEffect, useMemo, useState } from "react";
import type { FleetClient } from "../data/fleet-client.port";
import type { FleetEvent } from "../data/fleet-types";

const HISTORY = 20;

/**
 * One worker's recent events for the detail pane: its history from the API
 * when the pane opens, plus what has streamed in since. Newest first.
 */
export function useWorkerEvents(
  client: FleetClient,
  workerId: string | null,
  liveEvents: readonly FleetEvent[],
  onError: (message: string) => void,
): readonly FleetEvent[] {
  const [history, setHistory] = useState<{ workerId: string; events: readonly FleetEvent[] } | null>(null);

  useEffect(() => {
    if (workerId === null) {
      return;
    }
    let cancelled = false;
    client.workerEvents(workerId, HISTORY).then(
      (events) => {
        if (!cancelled) {
          setHistory({ workerId, events });
        }
      },
      (error: unknown) => {
        if (!cancelled) {
          onError(error instanceof Error ? error.message : String(error));
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, workerId, onError]);

  return useMemo(() => {
    if (workerId === null) {
      return [];
    }
    const byId = new Map<string, FleetEvent>();
    const fetched = history?.workerId === workerId ? history.events : [];
    for (const event of [...liveEvents.filter((e) => e.workerId === workerId), ...fetched]) {
      byId.set(event.id, event);
    }
    return [...byId.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, HISTORY);
  }, [workerId, history, liveEvents]);
}
