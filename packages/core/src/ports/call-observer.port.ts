import type { Upstream } from "../errors";

/** One finished call to an upstream service, as its adapter saw it (retries included). */
export interface UpstreamCall {
  readonly upstream: Upstream;
  /** Low-cardinality name: the SDK command (`DescribeInstances`) or a CML route (`GET /labs/:id`). */
  readonly operation: string;
  readonly durationMs: number;
  /** Set when the call failed: the AWS error name, the CML error kind, or `http_<status>`. */
  readonly error?: { readonly code: string } | undefined;
}

/**
 * Told about every call an adapter makes, after it ends. Metrics and traces
 * hang off this seam, so core needs no telemetry library; it is called on the
 * caller's async context, so an implementation may read the active trace.
 * It must not throw or block.
 */
export interface CallObserver {
  onCall(call: UpstreamCall): void;
}
