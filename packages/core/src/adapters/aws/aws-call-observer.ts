import type { Upstream } from "../../errors";
import type { CallObserver } from "../../ports/call-observer.port";

/** The part of an SDK v3 client this needs; EC2Client, CloudWatchClient and STSClient all fit. */
interface ObservableClient {
  readonly middlewareStack: {
    add(
      middleware: <Args, Result>(
        next: (args: Args) => Promise<Result>,
        context: { readonly commandName?: string },
      ) => (args: Args) => Promise<Result>,
      options: { step: "initialize"; name: string; override?: boolean },
    ): void;
  };
}

export const CALL_OBSERVER_MIDDLEWARE = "cmlFleetCallObserver";

/** `DescribeInstancesCommand` -> `DescribeInstances`: the API action, as AWS names it. */
function operationOf(commandName: string | undefined): string {
  if (commandName === undefined) {
    return "unknown";
  }
  return commandName.endsWith("Command") ? commandName.slice(0, -"Command".length) : commandName;
}

/** The AWS error code when the service sent one, else the SDK's error class (TimeoutError, ...). */
function errorCode(error: unknown): string {
  if (error instanceof Error && error.name.length > 0) {
    return error.name;
  }
  return "unknown";
}

/**
 * Reports every command of `client` to `observer`. Added at the initialize
 * step, the outermost one, so a call is timed once with all its retries,
 * and its outcome is what the adapter then sees.
 */
export function observeAwsCalls(client: ObservableClient, upstream: Upstream, observer: CallObserver): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = operationOf(context.commandName);
      const startedAt = performance.now();
      try {
        const output = await next(args);
        observer.onCall({ upstream, operation, durationMs: performance.now() - startedAt });
        return output;
      } catch (error) {
        observer.onCall({
          upstream,
          operation,
          durationMs: performance.now() - startedAt,
          error: { code: errorCode(error) },
        });
        throw error;
      }
    },
    { step: "initialize", name: CALL_OBSERVER_MIDDLEWARE, override: true },
  );
}
