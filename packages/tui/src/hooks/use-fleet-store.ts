import { type Dispatch, useEffect, useReducer } from "react";
import { describeFailure } from "../data/api-error";
import { backoffDelay } from "../data/backoff";
import type { FleetClient } from "../data/fleet-client.port";
import { type FleetAction, type FleetState, fleetReducer, initialFleetState } from "../data/fleet-reducer";
import type { FleetEvent, Job, Worker } from "../data/fleet-types";
import { createUpdateBatcher } from "../data/update-batcher";

export interface FleetStoreOptions {
  /** How often streamed updates are applied (ms). */
  readonly flushIntervalMs: number;
  readonly onError: (message: string) => void;
}

const INITIAL_JOBS = 200;
const INITIAL_EVENTS = 100;

/**
 * The live fleet: subscribes first, then loads the snapshot every time the link
 * comes up (the first time and after each reconnect, to catch up on what was
 * missed). The reducer keeps the newest `updatedAt`, so the order does not matter.
 */
export function useFleetStore(
  client: FleetClient,
  options: FleetStoreOptions,
): [FleetState, Dispatch<FleetAction>] {
  const [state, dispatch] = useReducer(fleetReducer, initialFleetState);
  const { flushIntervalMs, onError } = options;

  useEffect(() => {
    let disposed = false;
    const guard =
      <T>(apply: (value: T) => void) =>
      (value: T) => {
        if (!disposed) {
          apply(value);
        }
      };
    const workers = createUpdateBatcher<Worker>(
      guard((items) => dispatch({ type: "workers-changed", workers: items })),
      flushIntervalMs,
    );
    const events = createUpdateBatcher<FleetEvent>(
      guard((items) => dispatch({ type: "events-received", events: items })),
      flushIntervalMs,
    );
    const jobs = createUpdateBatcher<Job>(
      guard((items) => dispatch({ type: "jobs-changed", jobs: items })),
      flushIntervalMs,
    );
    const reportError = guard((error: unknown) => onError(describeFailure(error)));

    let retryTimer: NodeJS.Timeout | undefined;
    let live = false;
    const loadSnapshot = async () => {
      const [viewer, snapshot, jobList, eventList] = await Promise.all([
        client.viewer(),
        client.workers(),
        client.jobs(INITIAL_JOBS),
        client.events(INITIAL_EVENTS),
      ]);
      if (disposed) {
        return;
      }
      dispatch({ type: "viewer-loaded", viewer });
      dispatch({ type: "snapshot-loaded", workers: snapshot });
      dispatch({ type: "jobs-changed", jobs: jobList });
      dispatch({ type: "events-received", events: eventList });
    };
    // A failed snapshot is retried while the link stays up; a reconnect starts over.
    const loadUntilDone = (attempt: number) => {
      clearTimeout(retryTimer);
      loadSnapshot().catch((error: unknown) => {
        reportError(error);
        if (live && !disposed) {
          retryTimer = setTimeout(() => loadUntilDone(attempt + 1), backoffDelay(attempt));
        }
      });
    };

    const stops = [
      client.onWorkerChanged({ next: (worker) => workers.push(worker), error: reportError }),
      client.onFleetEvent({ next: (event) => events.push(event), error: reportError }),
      client.onJobUpdated({ next: (job) => jobs.push(job), error: reportError }),
      client.onConnectionChange(
        guard((connection) => {
          dispatch({ type: "connection-changed", connection });
          live = connection.kind === "live";
          if (live) {
            loadUntilDone(0);
          } else {
            clearTimeout(retryTimer);
          }
        }),
      ),
    ];

    return () => {
      disposed = true;
      clearTimeout(retryTimer);
      for (const stop of stops) {
        stop();
      }
      for (const batcher of [workers, events, jobs]) {
        batcher.dispose();
      }
    };
  }, [client, flushIntervalMs, onError]);

  return [state, dispatch];
}
