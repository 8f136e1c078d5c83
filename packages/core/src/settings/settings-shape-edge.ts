import { integerSetting, optionalBooleanSetting, optionalTextSetting } from "./settings-fields";

/** The shortest METRICS_TOKEN accepted: it guards process internals on a public port. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

/** Settings of the API's HTTP edge: what it exposes, to whom, and how often a client may call. */
export const edgeSettingsShape = {
  graphql_introspection: optionalBooleanSetting(
    "Answer GraphQL introspection (__schema, __type). Unset: on, except when NODE_ENV=production.",
  ),
  graphiql: optionalBooleanSetting(
    "Serve the GraphiQL page on GET /graphql to browsers. Unset: on only when NODE_ENV=development.",
  ),
  rate_limit_per_minute: integerSetting(
    600,
    "GraphQL operations (HTTP requests, SSE streams, WebSocket operations) one client may start per minute, per API process: by credential when it has one, else by remote address. Over it: HTTP 429 / QUOTA_EXCEEDED. 0 turns the limit off.",
    { min: 0, max: 1_000_000 },
  ),
  rate_limit_burst: integerSetting(
    100,
    "How many operations a client may start at once before RATE_LIMIT_PER_MINUTE paces it (the size of its token bucket).",
    { min: 1, max: 1_000_000 },
  ),
  ws_max_buffered_bytes: integerSetting(
    4 * 1024 * 1024,
    "Bytes a graphql-ws connection may have queued for sending (its socket's bufferedAmount) before the API gives up on it as too slow a reader: the connection is closed with 1013 (try again later) instead of the process holding ever more for it. Counted per connection, on each API process.",
    { min: 1024, max: 1024 * 1024 * 1024 },
  ),
  metrics_port: integerSetting(
    0,
    "Port of a second listener serving /metrics and /readyz with details, for the monitoring network only; /metrics then leaves the API's public port. 0: off.",
    { min: 0, max: 65_535 },
    "port",
  ),
  metrics_token: optionalTextSetting(
    `When set, /metrics answers only requests with Authorization: Bearer <METRICS_TOKEN> (at least ${MIN_METRICS_TOKEN_LENGTH} characters).`,
    { secret: true },
  ),
};
