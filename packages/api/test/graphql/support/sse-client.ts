import type { Subscription } from "./graphql-client";

/** A GraphQL subscription over SSE (yoga's distinct-connections mode), as a browser would open it. */
export function subscribeSse<T>(
  url: string,
  query: string,
  options: { token?: string | null; variables?: Record<string, unknown> } = {},
): Subscription<T> {
  const events: T[] = [];
  const errors: unknown[] = [];
  const abort = new AbortController();
  const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
  if (options.token !== undefined && options.token !== null) {
    headers.authorization = `Bearer ${options.token}`;
  }
  const reading = (async () => {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables: options.variables ?? {} }),
      signal: abort.signal,
    });
    if (response.body === null) {
      throw new Error(`no event stream (HTTP ${response.status})`);
    }
    const decoder = new TextDecoder();
    let buffer = "";
    const reader = response.body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      buffer += decoder.decode(chunk.value, { stream: true });
      let boundary = buffer.indexOf("\n\n");
      while (boundary !== -1) {
        const message = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const data = message
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).trim())
          .join("\n");
        if (data !== "") {
          const payload = JSON.parse(data) as { data?: T; errors?: unknown[] };
          if (payload.errors !== undefined) {
            errors.push(...payload.errors);
          } else if (payload.data !== undefined) {
            events.push(payload.data);
          }
        }
        boundary = buffer.indexOf("\n\n");
      }
    }
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) {
      errors.push(error);
    }
  });
  return {
    events,
    errors,
    async dispose() {
      abort.abort();
      await reading;
    },
  };
}
