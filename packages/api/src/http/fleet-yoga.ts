import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { type Authentication, authenticate } from "../auth/authenticate";
import { credentialPlugins } from "../auth/credential-plugins";
import type { GraphQLContext } from "../graphql/context";
import { buildContext, requestIdFrom } from "../graphql/context-factory";
import { maskUnlessFleetError, useContractErrors } from "../graphql/error-mapping";
import { schema } from "../graphql/schema/index";
import { edgePlugins } from "./edge-plugins";
import { requestLimitPlugins } from "./limits";
import type { ApiServerDeps } from "./server";

export const GRAPHQL_PATH = "/graphql";

/** What the HTTP and WebSocket paths hand to the context: the checked credential and the request id. */
export interface ServerContext {
  readonly authentication?: Authentication;
  readonly requestId?: string;
}

export type FleetYoga = YogaServerInstance<ServerContext, GraphQLContext>;

export function createFleetYoga(deps: ApiServerDeps): FleetYoga {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: deps.graphiql,
    landingPage: false,
    maskedErrors: { maskError: maskUnlessFleetError },
    logging: yogaLogger(deps.logger),
    plugins: [
      ...requestLimitPlugins(),
      ...edgePlugins(deps),
      ...credentialPlugins(deps),
      ...(deps.observability === undefined ? [] : [deps.observability.plugin]),
      useContractErrors(),
    ],
    context: async (initial) => {
      const requestId = initial.requestId ?? requestIdFrom(initial.request.headers.get("x-request-id"));
      const authentication =
        initial.authentication ??
        (await authenticate(deps.authentication, initial.request.headers.get("authorization")));
      return buildContext(deps, authentication, requestId);
    },
  });
}

function yogaLogger(logger: Logger) {
  return {
    debug: (...args: unknown[]) => logger.debug({ yoga: args }, "graphql-yoga"),
    info: (...args: unknown[]) => logger.info({ yoga: args }, "graphql-yoga"),
    warn: (...args: unknown[]) => logger.warn({ yoga: args }, "graphql-yoga"),
    error: (...args: unknown[]) => logger.error({ yoga: args }, "graphql-yoga"),
  };
}
