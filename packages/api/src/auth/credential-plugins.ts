import type { Plugin } from "graphql-yoga";
import type { ApiServerDeps } from "../http/server";

/** Plugins keeping credentials checked on long-lived operations (SSE); none yet. */
export function credentialPlugins(_deps: ApiServerDeps): Plugin[] {
  return [];
}
