import type { ChildMessage } from "./child-process";

/**
 * The child's half of the protocol: `handle` answers the runner's messages,
 * `stop` runs on the runner's "stop" (or when the runner goes away), then the
 * process exits. A failure is sent as an `error` message instead of crashing silently.
 */
export function serveRunner(
  handle: (message: ChildMessage) => Promise<ChildMessage | null>,
  stop: () => Promise<void>,
): void {
  let stopping = false;
  const shutdown = async () => {
    if (stopping) {
      return;
    }
    stopping = true;
    try {
      await stop();
    } finally {
      process.exit(0);
    }
  };
  process.on("message", (raw: unknown) => {
    const message = raw as ChildMessage;
    if (message.type === "stop") {
      void shutdown();
      return;
    }
    handle(message).then(
      (reply) => {
        if (reply !== null) {
          send(reply);
        }
      },
      (error: unknown) => send({ type: "error", message: errorText(error) }),
    );
  });
  process.on("disconnect", () => void shutdown());
}

export function send(message: ChildMessage): void {
  process.send?.(message);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Reports a failure to start and exits. */
export function failStartup(error: unknown): never {
  send({ type: "error", message: errorText(error) });
  process.exit(1);
}
