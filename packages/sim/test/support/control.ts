import type { SimCmlView } from "../../src/control/cml-control-routes";

/** Calls the simulator's `/_sim` control API with fetch. */
export async function control<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${method} ${path} -> ${response.status}: ${await response.text()}`);
  }
  const text = await response.text();
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

/** `GET /_sim/instances/{id}/cml`. */
export function cmlOf(baseUrl: string, instanceId: string): Promise<SimCmlView> {
  return control<SimCmlView>(baseUrl, "GET", `/_sim/instances/${instanceId}/cml`);
}

/** `PATCH /_sim/instances/{id}/cml` with the wire form (a lab may leave out nodeCount), not the parsed CmlPatch. */
export function patchCml(
  baseUrl: string,
  instanceId: string,
  patch: Readonly<Record<string, unknown>>,
): Promise<SimCmlView> {
  return control<SimCmlView>(baseUrl, "PATCH", `/_sim/instances/${instanceId}/cml`, patch);
}
