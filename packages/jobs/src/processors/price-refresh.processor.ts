import type { JobDefinition } from "../runtime/job-definition";
import type { JobServices } from "./job-services";

/** Refreshes the cached prices and volume sizes; a failed price call leaves the previous or static price. */
export function priceRefreshProcessor(services: JobServices): JobDefinition<"price-refresh"> {
  return { kind: "price-refresh", process: () => services.prices.refresh() };
}
