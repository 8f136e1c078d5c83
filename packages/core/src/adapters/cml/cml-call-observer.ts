import { CmlError } from "../../errors";
import type { CallObserver } from "../../ports/call-observer.port";
import type { CmlHttpRequest, CmlTransport } from "./cml-http-transport";

/**
 * A word of CML's API (`labs`, `system_information`, `stop`) stays; anything
 * else (lab ids: UUIDs or hex) becomes `:id`, so the operation label stays
 * bounded however many labs there are. The query string is dropped.
 */
export function cmlRouteOf(method: string, path: string): string {
  const [pathOnly = ""] = path.split("?");
  const segments = pathOnly
    .split("/")
    .map((segment) => (/^[a-z_]+$/.test(segment) && !/^[0-9a-f]+$/.test(segment) ? segment : ":id"))
    .map((segment, index) => (index === 0 ? "" : segment));
  return `${method} ${segments.join("/")}`;
}

function errorCode(error: unknown): string {
  return error instanceof CmlError ? error.kind : "unknown";
}

/**
 * The transport with every request reported to `observer`. An HTTP error
 * status is a failed call too (`http_<status>`): the callers turn most of
 * them into typed errors, but the call itself went wrong either way.
 */
export function observeCmlTransport(transport: CmlTransport, observer: CallObserver): CmlTransport {
  return {
    async send(request: CmlHttpRequest) {
      const operation = cmlRouteOf(request.method, request.path);
      const startedAt = performance.now();
      try {
        const response = await transport.send(request);
        observer.onCall({
          upstream: "cml",
          operation,
          durationMs: performance.now() - startedAt,
          error: response.status >= 400 ? { code: `http_${response.status}` } : undefined,
        });
        return response;
      } catch (error) {
        observer.onCall({
          upstream: "cml",
          operation,
          durationMs: performance.now() - startedAt,
          error: { code: errorCode(error) },
        });
        throw error;
      }
    },
    destroy: () => transport.destroy(),
  };
}
