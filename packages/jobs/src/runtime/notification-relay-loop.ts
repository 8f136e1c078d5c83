import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { NotificationRelay } from "@cml-fleet/core/services/notification-relay.service";

export interface NotificationRelayLoop {
  /** Runs a pass soon (a new fleet event was published); passes never overlap. */
  nudge(): void;
  /** Ends the loop after the pass under way. */
  stop(): Promise<void>;
}

/**
 * Runs the notification relay every `intervalMs` in this job process, and at
 * once when nudged. Every job process runs one: the relay's transaction locks
 * the cursor, so they take turns, and any survivor carries on after a crash.
 * The interval is the backstop that needs neither Redis pub/sub nor a
 * schedule; the nudge keeps a warning's delivery well ahead of the stop.
 */
export function startNotificationRelayLoop(
  relay: NotificationRelay,
  options: { readonly intervalMs: number; readonly logger: Logger },
): NotificationRelayLoop {
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const schedule = () => {
    if (!stopped) {
      clearTimeout(timer);
      timer = setTimeout(run, options.intervalMs);
    }
  };
  function run(): void {
    if (stopped) {
      return;
    }
    if (running !== null) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = relay
      .relayOnce()
      .then(
        () => {},
        (error: unknown) => options.logger.warn({ err: error }, "notification relay pass failed"),
      )
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          setImmediate(run);
        } else {
          schedule();
        }
      });
  }
  schedule();

  return {
    nudge: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
