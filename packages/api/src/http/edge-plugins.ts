import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "../graphql/context";
import { useAnonymousGate, useDenialAudit } from "./anonymous-gate.plugin";
import { useCsrfPrevention } from "./csrf-prevention.plugin";
import { useNoIntrospection } from "./limits";
import type { ApiServerDeps } from "./server";

/**
 * Plugins guarding the HTTP edge: cross-site requests, introspection, and
 * refusals written once per request. (CORS is yoga's `cors` option; the rate
 * limit is taken where the context is built.)
 */
export function edgePlugins(deps: ApiServerDeps): (Plugin | Plugin<GraphQLContext>)[] {
  return [
    useCsrfPrevention(),
    ...(deps.edge.introspection ? [] : [useNoIntrospection()]),
    useAnonymousGate(),
    useDenialAudit(),
  ];
}
