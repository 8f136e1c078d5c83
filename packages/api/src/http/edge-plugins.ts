import type { Plugin } from "graphql-yoga";
import type { ApiServerDeps } from "./server";

/** Plugins guarding the HTTP edge (origins, CSRF, rate limits); none yet. */
export function edgePlugins(_deps: ApiServerDeps): Plugin[] {
  return [];
}
