import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { type Authentication, authenticate } from "../auth/authenticate";
import { credentialPlugins } from "../auth/credential-plugins";
import { createVerifiedTokenCache } from "../auth/verified-token-cache";
import type { GraphQLContext } from "../graphql/context";
import { buildContext, requestIdFrom } from "../graphql/context-factory";
import { maskUnlessFleetError, useContractErrors } from "../graphql/error-mapping";
import { jitQueryPlugins } from "../graphql/jit-execution";
import { schema } from "../graphql/schema/index";
import type { EdgeOptions } from "./edge-options";
import { edgePlugins } from "./edge-plugins";
import { requestLimitPlugins } from "./limits";
import { takeOrRefuse } from "./rate-limit";
import { createRateLimiter } from "./rate-limiter";
import type { ApiServerDeps } from "./server";

export const GRAPHQL_PATH = "/graphql";

/** What the HTTP and WebSocket paths hand to the context: the checked credential and the request id. */
export interface ServerContext {
  readonly authentication?: Authentication;
  readonly requestId?: string;
}

export type FleetYoga = YogaServerInstance<ServerContext, GraphQLContext>;

export function createFleetYoga(deps: ApiServerDeps): FleetYoga {
  const { rateLimit } = deps.edge;
  // One limiter per server, so per API process: replicas each count on their own.
  const limiter = createRateLimiter(rateLimit);
  // A GraphQL request over HTTP (SSE streams included) reads its bearer token through a cache of verified
  // tokens, forgotten on any revocation: one statement fewer per request. The store itself, read afresh, still
  // checks each graphql-ws operation, each periodic recheck of a live connection and the operator endpoints,
  // so those notice a revocation whose message was lost.
  const requestAuthentication = {
    ...deps.authentication,
    tokens: createVerifiedTokenCache(deps.authentication),
  };
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: deps.edge.graphiql,
    cors: corsOptions(deps.edge),
    batching: false,
    // route() (server.ts) has already refused a body over REQUEST_LIMITS.maxBodyBytes by its Content-Length, and
    // one without it (chunked) with 411, so Node's parser stops every body at its announced length. yoga's own
    // limit would only wrap each request in a counting stream again: the profile showed it at 4% of a page's time.
    maxRequestBodySize: false,
    landingPage: false,
    maskedErrors: { maskError: maskUnlessFleetError },
    logging: yogaLogger(deps.logger),
    plugins: [
      // First, so that it sees every operation, those the edge refuses before execution included.
      ...(deps.observability === undefined ? [] : [deps.observability.plugin]),
      ...requestLimitPlugins(),
      ...edgePlugins(deps),
      ...credentialPlugins(deps),
      // Before the contract's error mapping: their answers' errors are mapped too.
      ...jitQueryPlugins(),
      useContractErrors(),
    ],
    context: async (initial) => {
      const requestId = initial.requestId ?? requestIdFrom(initial.request.headers.get("x-request-id"));
      const authentication =
        initial.authentication ??
        (await authenticate(requestAuthentication, initial.request.headers.get("authorization")));
      // Every operation builds its context here, graphql-ws ones too (through getEnveloped).
      takeOrRefuse(limiter, rateLimit, authentication, initial);
      return buildContext(deps, authentication, requestId);
    },
  });
}

/**
 * Browsers may call from the listed origins only: another origin gets no CORS
 * headers at all, so the browser keeps the answer from the page. Credentials
 * travel in the Authorization header, never in cookies, so none are allowed.
 */
function corsOptions(edge: EdgeOptions) {
  const anyOrigin = edge.corsOrigins.includes("*");
  const allowed = new Set(edge.corsOrigins);
  return (request: Request) => {
    const origin = request.headers.get("origin");
    if (origin === null || !(anyOrigin || allowed.has(origin))) {
      return false as const;
    }
    return { origin: [origin], credentials: false, methods: ["GET", "POST", "OPTIONS"] };
  };
}

function yogaLogger(logger: Logger) {
  return {
    debug: (...args: unknown[]) => logger.debug({ yoga: args }, "graphql-yoga"),
    info: (...args: unknown[]) => logger.info({ yoga: args }, "graphql-yoga"),
    warn: (...args: unknown[]) => logger.warn({ yoga: args }, "graphql-yoga"),
    error: (...args: unknown[]) => logger.error({ yoga: args }, "graphql-yoga"),
  };
}
