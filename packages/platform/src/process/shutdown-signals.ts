import type { Logger } from "@cml-fleet/core/ports/logger.port";

const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM"] as const;

export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/**
 * The one way an entry point stops: on the first SIGINT or SIGTERM it runs
 * `shutdown`, then exits 0, or 1 when that failed. Signals that come while it
 * runs are ignored, so a second Ctrl-C cannot cut the close short between the
 * job workers and the Redis and database they still use.
 */
export function onShutdownSignals(
  shutdown: (signal: ShutdownSignal) => Promise<void>,
  logger: Pick<Logger, "info" | "error">,
): void {
  let stopping = false;
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, () => {
      if (stopping) {
        return;
      }
      stopping = true;
      logger.info({ signal }, "shutting down");
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}
