import type { CmlLab } from "../../domain/worker";
import type { CmlEndpoint } from "../../ports/cml-client.port";
import { labIdsSchema, labSchema } from "./cml-schemas";
import { type CmlSessions, expectStatus, isCmlError } from "./cml-session";

/** Runs `work` over `items` with at most `limit` at a time, keeping the input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  // One shared iterator: each runner takes the next item when it is free.
  const queue = items.entries();
  const runner = async () => {
    for (const [index, item] of queue) {
      results[index] = await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  return results;
}

/** Every lab on the worker (all owners), with title and state. */
export async function labs(
  sessions: CmlSessions,
  endpoint: CmlEndpoint,
  concurrency: number,
): Promise<CmlLab[]> {
  const ids = await sessions.get(endpoint, "/labs?show_all=true", labIdsSchema);
  const details = await mapWithConcurrency(ids, concurrency, async (id): Promise<CmlLab | null> => {
    try {
      const lab = await sessions.get(endpoint, `/labs/${encodeURIComponent(id)}`, labSchema);
      return { id: lab.id, title: lab.lab_title ?? "", state: lab.state, nodeCount: lab.node_count ?? null };
    } catch (error) {
      // Deleted between the list and the detail call: it is simply gone.
      if (isCmlError(error, "not-found")) {
        return null;
      }
      throw error;
    }
  });
  return details.filter((lab): lab is CmlLab => lab !== null);
}

export async function stopLab(sessions: CmlSessions, endpoint: CmlEndpoint, labId: string): Promise<void> {
  const path = `/labs/${encodeURIComponent(labId)}/stop`;
  const response = await sessions.call(endpoint, { method: "PUT", path });
  expectStatus(endpoint, `PUT ${path}`, response, [200, 202, 204]);
}
