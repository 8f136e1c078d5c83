import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import type { RateLimit } from "./rate-limiter";

/** What the HTTP edge exposes, to whom, and how often a client may call: from the settings. */
export interface EdgeOptions {
  /** Origins a browser may call from (CORS); empty: none, `*`: any. */
  readonly corsOrigins: readonly string[];
  readonly introspection: boolean;
  /** Serve GraphiQL on GET /graphql to browsers. */
  readonly graphiql: boolean;
  readonly rateLimit: RateLimit;
  /** A second listener for /metrics and detailed /readyz; 0: none (/metrics on the API's port). */
  readonly metricsPort: number;
  /** When set, /metrics asks for it as a bearer token. */
  readonly metricsToken: string | null;
  /**
   * Who sees why /readyz fails on the API's port: everyone, or (in production)
   * only an ADMIN credential; the metrics port always shows it.
   */
  readonly readinessDetails: "everyone" | "admin";
  /** Bytes a graphql-ws socket may have queued before it is closed as too slow a reader (WS_MAX_BUFFERED_BYTES). */
  readonly wsMaxBufferedBytes: number;
}

export function edgeOptionsFrom(settings: Settings): EdgeOptions {
  return {
    corsOrigins: settings.corsOrigins,
    introspection: settings.edge.introspection,
    graphiql: settings.edge.graphiql,
    rateLimit: settings.edge.rateLimit,
    metricsPort: settings.edge.metricsPort,
    metricsToken: settings.edge.metricsToken,
    readinessDetails: settings.nodeEnv === "production" ? "admin" : "everyone",
    wsMaxBufferedBytes: settings.edge.wsMaxBufferedBytes,
  };
}
